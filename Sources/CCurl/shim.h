#ifndef MODELSERVE_CCURL_SHIM_H
#define MODELSERVE_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt is variadic; Swift cannot call C variadics, so one typed wrapper per
// argument kind.
static inline CURLcode modelserve_curl_setopt_string(CURL *c, CURLoption o, const char *v) {
    return curl_easy_setopt(c, o, v);
}
static inline CURLcode modelserve_curl_setopt_long(CURL *c, CURLoption o, long v) {
    return curl_easy_setopt(c, o, v);
}
static inline CURLcode modelserve_curl_setopt_pointer(CURL *c, CURLoption o, void *v) {
    return curl_easy_setopt(c, o, v);
}
typedef size_t (*modelserve_curl_write_callback)(char *, size_t, size_t, void *);
static inline CURLcode modelserve_curl_setopt_write_function(CURL *c, modelserve_curl_write_callback f) {
    return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
}
// curl_easy_getinfo is variadic too.
static inline CURLcode modelserve_curl_getinfo_long(CURL *c, CURLINFO i, long *v) {
    return curl_easy_getinfo(c, i, v);
}
#endif
