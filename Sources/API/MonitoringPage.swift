import Registry

/// A version in service, for people (`GET /models/{id}/monitoring` in a browser): live
/// quality on feedback next to training's held-out figures, the calibration plot for
/// probabilities, drift per feature as bars coloured by their flag, and the requests and
/// latency of the window; drawn by the shared chart script from the same JSON the API
/// answers.
enum MonitoringPage {
    static func html(monitoring: String, drift: String?, title: String) -> String {
        let embedded = DocsPage.scriptJSON
        return """
            <!doctype html><html lang=en><head><meta charset=utf-8><title>\(DocsPage.escape(title)) · monitoring</title>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:76rem;color:#222}
            table{border-collapse:collapse}td,th{border-top:1px solid #eee;padding:.25rem .7rem;text-align:right}
            td:first-child,th:first-child{text-align:left}.charts{display:flex;gap:1rem;flex-wrap:wrap}
            svg text{font:11px system-ui,sans-serif;fill:#444}small,.muted{color:#666}</style></head><body>
            <p><a href="/">← dashboard</a></p>
            <h1>\(DocsPage.escape(title))</h1>
            <p id=summary></p>
            <h2>Quality: live on feedback, and at training</h2><div id=quality></div>
            <div class=charts><div id=calibration></div><div id=drift></div></div>
            <h2>Requests over time</h2><div class=charts><div id=rate></div><div id=latency></div></div>
            <script id=monitoring type="application/json">\(embedded(monitoring))</script>
            <script id=drift-data type="application/json">\(embedded(drift ?? "null"))</script>
            <script>\(ChartScript.library)</script>
            <script>\(script)</script>
            </body></html>
            """
    }

    static let script = #"""
        const m = JSON.parse(document.getElementById('monitoring').textContent);
        const d = JSON.parse(document.getElementById('drift-data').textContent);
        const r = m.requests, lat = r.latency_milliseconds || {};
        document.getElementById('summary').innerHTML = `${esc(m.kind)} · ${esc(m.task)} · requests in the window: ${r.count.toLocaleString()} (${r.errors} errors) · latency p50 ${fmt(lat.p50)} ms, p95 ${fmt(lat.p95)} ms, p99 ${fmt(lat.p99)} ms · labelled rows: ${m.live.all.rows.toLocaleString()} (${m.live.recent.rows.toLocaleString()} recent)`;
        const names = [...new Set([m.training, m.live.all.metrics, m.live.recent.metrics].flatMap(Object.keys))].filter(k => k !== 'rows').sort();
        let table = `<table id=quality-table><tr><th>metric</th><th>live, all time</th><th>live, recent</th><th>training (${esc(m.training_evaluated_on)})</th></tr>`;
        for (const name of names) table += `<tr><td>${esc(name)}</td><td>${fmt(m.live.all.metrics[name])}</td><td>${fmt(m.live.recent.metrics[name])}</td><td>${fmt(m.training[name])}</td></tr>`;
        document.getElementById('quality').innerHTML = table + '</table>' + (m.live.all.rows ? '' : '<p class=muted>No feedback yet: POST /feedback with the request ids of answers.</p>');
        if (m.canary) {
          const c = m.canary, deltas = Object.keys(c.delta).sort().map(n => `${esc(n)} ${c.delta[n] >= 0 ? '+' : ''}${fmt(c.delta[n])}`).join(' · ');
          document.getElementById('quality').innerHTML += `<h3 id=canary>A canary at ${(100 * c.weight).toFixed(0)}% of traffic</h3><p>against production (id ${c.production_model_id}) over the same window, on ${c.production.rows.toLocaleString()} of its labelled rows: ${deltas || 'no feedback yet'}</p>`;
        }
        if (m.shadow) {
          const c = m.shadow, names = Object.keys(c.delta).sort();
          let rows = names.map(n => `<tr><td>${esc(n)}</td><td>${fmt(c.shadow_metrics[n])}</td><td>${fmt(c.answered_metrics[n])}</td><td>${fmt(c.delta[n])}</td></tr>`).join('');
          document.getElementById('quality').innerHTML += `<h3>As a shadow of version id ${c.against_model_id}</h3><p>${c.requests.toLocaleString()} requests, ${c.rows.toLocaleString()} rows scored by both` + (c.agreement != null ? `; same label on ${(100 * c.agreement).toFixed(1)}%` : '') + `; mean |difference| ${fmt(c.mean_absolute_difference)}; ${c.labelled_rows} rows with feedback</p>` + (rows ? `<table id=shadow-table><tr><th>metric</th><th>this shadow</th><th>answering version</th><th>difference</th></tr>${rows}</table>` : '');
        }
        if (m.calibration) {
          document.getElementById('calibration').innerHTML = calibration(m.calibration, 'calibration: share of 1s by predicted probability');
        }
        if (d) {
          const colour = { stable: '#059669', moderate: '#d97706', major: '#dc2626', no_data: '#9ca3af' };
          document.getElementById('drift').innerHTML = bars(
            d.features.map(f => ({ name: `${f.feature} (${f.flag})`, value: f.psi, color: colour[f.flag] })),
            `drift: PSI per feature, ${d.rows.toLocaleString()} served rows`, [{ at: 0.1, label: '0.1' }, { at: 0.25, label: '0.25' }]);
        } else {
          document.getElementById('drift').innerHTML = '<p class=muted>No training profile for this version, so no drift.</p>';
        }
        const t = traffic([{ name: `version ${m.version}`, activity: r }]);
        document.getElementById('rate').innerHTML = t.rate;
        document.getElementById('latency').innerHTML = t.latency;
        document.body.dataset.loaded = 'yes';
        """#
}
