import Registry

/// The convergence page of an online run (`GET /runs/{id}` in a browser): per model, the
/// coefficient paths with their 95% bands against rows seen and the progressive metrics; the
/// collider comparison side by side; following a live run by polling its checkpoints. The
/// charts are SVG drawn by the page's own script: nothing is fetched from elsewhere, so it
/// works offline.
enum RunPage {
    static func html(_ detail: TrainingRuns.Detail, json: String) -> String {
        let data = DocsPage.scriptJSON(json)
        return """
            <!doctype html><html lang=en><head><meta charset=utf-8>
            <title>run \(detail.run.id) · \(DocsPage.escape(detail.run.name)) · modelserve</title>
            <style>\(style)</style></head><body>
            <p><a href="/">← dashboard</a></p>
            <h1>Run \(detail.run.id): \(DocsPage.escape(detail.run.name))</h1>
            <p id=status></p>
            <div id=notes></div>
            <h2>The collider, side by side</h2><div id=compare></div>
            <h2>Models</h2><div id=models></div>
            <script id=detail type="application/json">\(data)</script>
            <script>\(ChartScript.library)</script>
            <script>\(script)</script>
            </body></html>
            """
    }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:76rem;color:#222}
        .note{border-left:4px solid #d97706;background:#fffbeb;padding:.6rem 1rem;margin:.8rem 0}
        .model{border:1px solid #ddd;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}
        .model h3{margin:.2rem 0}.model h3 span{font-size:.75em}.charts{display:flex;gap:1rem;flex-wrap:wrap}
        .believe{color:#047857}.biased{color:#b91c1c}small,.muted{color:#666}
        table{border-collapse:collapse}td,th{border-top:1px solid #eee;padding:.25rem .6rem;text-align:right}
        td:first-child,th:first-child{text-align:left}svg text{font:11px system-ui,sans-serif;fill:#444}
        """

    static let script = #"""
        const detail = JSON.parse(document.getElementById('detail').textContent);
        const run = detail.run, spec = run.spec;
        let checkpoints = [], current = detail;

        function modelSection(model, index) {
          const rows = thin(checkpoints.map(c => [c.rows_seen, c.models.find(m => m.name === model.name)]).filter(r => r[1]));
          const last = rows.length ? rows[rows.length - 1][1] : null;
          const terms = last ? last.terms.map(t => t.term) : [];
          const shown = terms.filter(t => t !== 'intercept');
          const coefficients = shown.map((term, i) => ({
            name: term, color: palette[i % palette.length],
            points: rows.map(([x, m]) => [x, (m.terms.find(t => t.term === term) || {}).value]),
            band: rows.map(([x, m]) => { const t = m.terms.find(t => t.term === term) || {}; return [x, t.ci_low, t.ci_high]; })
          }));
          const classifier = model.kind === 'online_logistic';
          const metricNames = classifier ? ['log_loss', 'roc_auc', 'accuracy'] : ['rmse', 'mae'];
          const metrics = metricNames.map((name, i) => ({ name: 'running ' + name, color: palette[i], points: rows.map(([x, m]) => [x, m.cumulative[name]]) }));
          metrics.push({ name: 'batch ' + metricNames[0], color: '#9ca3af', thin: true, points: rows.map(([x, m]) => [x, m.batch[metricNames[0]]]) });
          let table = '<table><tr><th>term</th><th>estimate</th><th>std err</th><th>p</th><th>95% CI</th></tr>';
          for (const t of last ? last.terms : []) {
            table += `<tr><td>${esc(t.term)}</td><td>${fmt(t.value)}</td><td>${fmt(t.std_error)}</td><td>${t.p_value == null ? '–' : t.p_value < 0.001 ? '&lt;0.001' : t.p_value.toFixed(3)}</td><td>${t.ci_low == null ? '–' : fmt(t.ci_low) + ' to ' + fmt(t.ci_high)}</td></tr>`;
          }
          table += '</table>';
          const formula = `${model.target} ~ ${model.features.join(' + ')}` + Object.entries(model.only || {}).map(([k, v]) => ` | ${k} = ${v}`).join('');
          const version = last && last.model_id ? ` · version ${last.version} (id ${last.model_id})` : '';
          const verdict = (current.collider_notes || []).map(n => n.believe.includes(model.name)
            ? `<span class=believe>believe: leaves the collider ${esc(n.collider)} out</span>`
            : n.biased.includes(model.name) ? `<span class=biased>biased: conditions on the collider ${esc(n.collider)}</span>` : '').join(' ');
          return `<div class=model id="model-${index}"><h3>${esc(model.name)} <small>${esc(model.kind)} · ${esc(formula)} · ${last ? last.rows.toLocaleString() : 0} rows${version}</small> ${verdict}</h3>
            <div class=charts>${chart(coefficients, 'coefficients' + (classifier ? ' (no standard errors for SGD)' : ' with 95% bands'), 'estimate')}
            ${chart(metrics, 'progressive validation: each batch scored before it was learnt', classifier ? 'metric' : 'error')}</div>${table}</div>`;
        }

        // The slope of the collider's term in each regression, with its interval, as it stands.
        function comparison() {
          const notes = current.collider_notes || [];
          if (!notes.length) return '<p class=muted>No collider in this spec.</p>';
          let out = '';
          for (const note of notes) {
            const names = note.believe.concat(note.biased);
            const rows = names.map(name => {
              const m = current.last && current.last.models.find(x => x.name === name);
              const t = m && m.terms.find(t => t.term === note.term);
              return { name, t, believe: note.believe.includes(name) };
            }).filter(r => r.t);
            const W = 820, H = 40 + 34 * rows.length, L = 330, R = 30;
            const values = rows.flatMap(r => [r.t.ci_low ?? r.t.value, r.t.ci_high ?? r.t.value, 0]);
            const lo = Math.min(...values), hi = Math.max(...values), span = (hi - lo) || 1;
            const X = v => L + (v - lo + span * 0.05) / (span * 1.1) * (W - L - R);
            let svg = `<svg class=forest width=${W} height=${H} data-rows=${rows.length}><text x=${L} y=14 style="font-weight:600">${esc(note.term)} slope, 95% CI</text>`;
            svg += `<line x1=${X(0)} x2=${X(0)} y1=22 y2=${H - 10} stroke="#999" stroke-dasharray="3 3" />`;
            rows.forEach((r, i) => {
              const y = 40 + i * 34, color = r.believe ? '#047857' : '#b91c1c';
              svg += `<text x=8 y=${y + 4} fill="${color}">${esc(r.name)} ${r.believe ? '(believe)' : '(biased)'}</text>`;
              if (r.t.ci_low != null) svg += `<line x1=${X(r.t.ci_low)} x2=${X(r.t.ci_high)} y1=${y} y2=${y} stroke="${color}" stroke-width=2 />`;
              svg += `<circle class=estimate cx=${X(r.t.value)} cy=${y} r=5 fill="${color}" /><text x=${X(r.t.value)} y=${y - 8} text-anchor=middle>${fmt(r.t.value)}</text>`;
            });
            out += svg + '</svg>';
          }
          return out;
        }

        function render() {
          const r = current.run;
          const updated = new Date(r.updated_at).toISOString().replace('T', ' ').slice(0, 19);
          document.getElementById('status').innerHTML = `<b>${esc(r.status)}</b> · ${r.batches.toLocaleString()} batches · ${r.rows_seen.toLocaleString()} rows · learnt through page ${r.next_page} row ${r.page_offset} · source <code>${esc(r.source)}</code> · updated ${updated} UTC` + (r.error ? `<br><span class=biased>${esc(r.error)}</span>` : '') + (r.status === 'running' ? ' · <span class=muted>following live</span>' : '');
          document.getElementById('notes').innerHTML = (current.collider_notes || []).map(n => `<div class=note>${esc(n.text)}</div>`).join('');
          document.getElementById('compare').innerHTML = comparison();
          document.getElementById('models').innerHTML = spec.models.map(modelSection).join('');
        }

        async function refresh() {
          try {
            const after = checkpoints.length ? checkpoints[checkpoints.length - 1].batch : 0;
            const more = await (await fetch(`/runs/${run.id}/checkpoints?after=${after}`, { headers: { Accept: 'application/json' } })).json();
            checkpoints = checkpoints.concat(more);
            if (more.length) current = await (await fetch(`/runs/${run.id}`, { headers: { Accept: 'application/json' } })).json();
            render();
            document.body.dataset.loaded = checkpoints.length;
          } catch (e) {
            document.getElementById('status').textContent += ' · could not refresh: ' + e;
          }
          if (current.run.status === 'running') setTimeout(refresh, 2000);
        }
        render();
        refresh();
        """#
}
