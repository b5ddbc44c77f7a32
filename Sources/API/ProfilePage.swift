/// A data profile for people (`GET /profiles/{id}` in a browser, `modelserve profile
/// --html`): the suspicious values first, then each number column with its histogram and
/// each text column with its top levels, the association with the target, and the
/// correlation heatmaps; drawn by the shared chart script from the profile's JSON. The model
/// card shows its training rows with the same script (`ProfilePage.render`).
public enum ProfilePage {
    public static func html(profile: String, title: String, query: String?) -> String {
        """
        <!doctype html><html lang=en><head><meta charset=utf-8><title>\(DocsPage.escape(title)) · modelserve</title>
        <style>\(style)</style></head><body>
        <p><a href="/">← dashboard</a></p>
        <h1>\(DocsPage.escape(title))</h1>
        \(query.map { "<pre class=query>\(DocsPage.escape($0))</pre>" } ?? "")
        <div id=profile></div>
        <script id=profile-data type="application/json">\(DocsPage.scriptJSON(profile))</script>
        <script>\(ChartScript.library)</script>
        <script>\(render)</script>
        <script>renderProfile(JSON.parse(document.getElementById('profile-data').textContent), document.getElementById('profile')); document.body.dataset.loaded = 'yes';</script>
        </body></html>
        """
    }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:76rem;color:#222}
        table{border-collapse:collapse}td,th{border-top:1px solid #eee;padding:.25rem .6rem;text-align:right;vertical-align:top}
        td:first-child,th:first-child{text-align:left}.charts{display:flex;gap:1rem;flex-wrap:wrap}
        svg text{font:11px system-ui,sans-serif;fill:#444}small,.muted{color:#666}
        .finding{border-left:4px solid #d97706;background:#fffbeb;padding:.4rem .8rem;margin:.4rem 0}
        .finding code{background:#fde68a;padding:0 .3rem;border-radius:3px}.ok{border-left:4px solid #059669;background:#ecfdf5;padding:.4rem .8rem}
        pre.query{background:#f6f8fa;padding:.6rem;white-space:pre-wrap}
        """

    /// `renderProfile(profile, element)`: the profile's sections into an element.
    static let render = #"""
        function renderProfile(p, root) {
          const pct = (n, d) => d ? `${(100 * n / d).toFixed(1)}%` : '–';
          let html = `<p id=profile-summary>${p.rows.toLocaleString()} rows × ${p.columns.length} columns · ${p.duplicate_rows.toLocaleString()} duplicate row${p.duplicate_rows === 1 ? '' : 's'}${p.duplicates_exact ? '' : ' (at least)'} · ${p.sample_rows < p.rows ? `pairwise figures on a uniform sample of ${p.sample_rows.toLocaleString()} rows` : 'pairwise figures on every row'}</p>`;
          html += '<h2>Suspicious values</h2>';
          html += p.findings.length ? p.findings.map(f => `<div class=finding data-rule="${esc(f.rule)}"><code>${esc(f.rule)}</code> ${esc(f.message)}</div>`).join('') : '<p class=ok>None found: no sentinels, isolated zeros, stray negatives, disagreeing linked columns, duplicates, constants or ids.</p>';
          const numbers = p.columns.filter(c => c.numbers), texts = p.columns.filter(c => c.levels);
          if (numbers.length) {
            html += '<h2>Numbers</h2><table id=numbers><tr><th>column</th><th>count</th><th>nulls</th><th>distinct</th><th>mean</th><th>sd</th><th>min</th><th>25%</th><th>50%</th><th>75%</th><th>max</th><th>zeros</th><th>negative</th></tr>';
            for (const c of numbers) {
              const n = c.numbers, q = v => (n.quantiles.find(x => x.q === v) || {}).value;
              html += `<tr><td>${esc(c.name)}${c.type === 'mixed' ? ' <small>(mixed)</small>' : ''}</td><td>${n.count.toLocaleString()}</td><td>${c.nulls.toLocaleString()}</td><td>${c.distinct_exact ? '' : '≈'}${c.distinct.toLocaleString()}</td><td>${fmt(n.mean)}</td><td>${fmt(n.sd)}</td><td>${fmt(n.min)}</td><td>${fmt(q(0.25))}</td><td>${fmt(q(0.5))}</td><td>${fmt(q(0.75))}</td><td>${fmt(n.max)}</td><td>${n.zeros.toLocaleString()}</td><td>${n.negatives.toLocaleString()}</td></tr>`;
            }
            html += '</table>';
            if (numbers.some(c => c.numbers.rank_error > 0)) html += `<p class=muted>Quantiles from a sketch: ranks within ±${(100 * Math.max(...numbers.map(c => c.numbers.rank_error))).toFixed(1)}% of the count.</p>`;
            html += '<div class=charts id=histograms>' + numbers.map(c => {
              const marks = p.findings.filter(f => f.columns.length === 1 && f.columns[0] === c.name && f.test && f.test.equals).map(f => ({ at: f.test.equals.value, label: f.message }));
              return histogram(c.numbers.histogram.edges, c.numbers.histogram.counts, c.name, marks);
            }).join('') + '</div>';
          }
          if (texts.length) {
            html += '<h2>Text</h2><div class=charts id=levels>';
            for (const c of texts) {
              const items = c.levels.top.slice(0, 8).map(l => ({ name: l.value, value: l.count }));
              if (c.levels.other_rows > 0) items.push({ name: 'other levels', value: c.levels.other_rows, color: '#9ca3af' });
              if (c.nulls > 0) items.push({ name: 'null', value: c.nulls, color: '#d1d5db' });
              html += bars(items, `${c.name}: ${c.distinct_exact ? '' : '≈'}${c.distinct.toLocaleString()} levels`);
            }
            html += '</div>';
          }
          if (p.target && p.target_associations.length) {
            html += `<h2>Association with ${esc(p.target)}</h2><div class=charts>` + bars(p.target_associations.map(a => ({
              name: `${a.column} (${a.spearman != null ? 'ρ' : a.eta != null ? 'η' : 'V'})`,
              value: Math.abs(a.spearman ?? a.eta ?? a.cramers_v ?? 0),
              color: (a.spearman ?? 0) < 0 ? palette[1] : palette[0] })), `strength of association with ${p.target} (|Spearman ρ|, η, Cramér's V)`) + '</div>';
          }
          const maps = [[p.spearman, 'Spearman ρ'], [p.pearson, 'Pearson r'], [p.cramers_v, "Cramér's V (text columns)"]].filter(m => m[0]);
          if (maps.length) html += '<h2>Correlations</h2><div class=charts id=heatmaps>' + maps.map(([m, t]) => heatmap(m, t)).join('') + '</div>';
          root.innerHTML = html;
        }
        """#
}
