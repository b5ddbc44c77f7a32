/// A version's model card for people (`GET /models/{id}` in a browser, `modelserve models
/// card --html`): what it is for, its caveats, its metrics with their definitions, the
/// coefficient table with inference or the trees' importance, hyperparameters and the search
/// that chose them, calibration and live quality once feedback exists, the assignment
/// history, and the profile of its training rows; drawn from the card's JSON by the shared
/// chart script and the profile page's renderer. Nothing is fetched from elsewhere.
public enum ModelCardPage {
    public static func html(card: String, title: String) -> String {
        """
        <!doctype html><html lang=en><head><meta charset=utf-8><title>\(DocsPage.escape(title)) · model card</title>
        <style>\(ProfilePage.style)
        .caveat{border-left:4px solid #dc2626;background:#fef2f2;padding:.4rem .8rem;margin:.4rem 0}
        .badge{background:#059669;color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8em;vertical-align:middle}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{color:#666}dd{margin:0}</style></head><body>
        <p><a href="/">← dashboard</a></p>
        <h1 id=title>\(DocsPage.escape(title))</h1>
        <div id=card></div>
        <script id=card-data type="application/json">\(DocsPage.scriptJSON(card))</script>
        <script>\(ChartScript.library)</script>
        <script>\(ProfilePage.render)</script>
        <script>\(script)</script>
        </body></html>
        """
    }

    static let script = #"""
        const card = JSON.parse(document.getElementById('card-data').textContent), v = card.version;
        const section = (id, title, body) => `<section id=${id}><h2>${esc(title)}</h2>${body}</section>`;
        let html = `<p id=summary>${esc(v.kind)} · ${esc(card.task.replace('_', ' '))} · version ${v.version} (id ${v.id})${v.production ? ' <span class=badge>production</span>' : ''} · trained ${esc(v.created_at)} on ${(v.row_count || 0).toLocaleString()} rows</p>`;
        html += section('purpose', 'What it is for', card.description || card.intended_use
          ? `<dl>${card.description ? `<dt>description</dt><dd>${esc(card.description)}</dd>` : ''}${card.intended_use ? `<dt>intended use</dt><dd>${esc(card.intended_use)}</dd>` : ''}</dl>`
          : '<p class=muted>The spec says nothing of it: add description: and intended_use: to the spec.</p>');
        html += section('caveats', 'Caveats', card.caveats.length ? card.caveats.map(c => `<div class=caveat>${esc(c)}</div>`).join('') : '<p class=ok>None the data or the spec show.</p>');
        const splits = [['train', v.metrics.train], ['test', v.metrics.test], ['cv mean', v.metrics.cv && v.metrics.cv.mean], ['cv sd', v.metrics.cv && v.metrics.cv.std]].filter(s => s[1]);
        const names = Object.keys(v.metrics.train).filter(k => k !== 'rows').sort();
        let metrics = `<table id=metrics><tr><th>metric</th>${splits.map(s => `<th>${s[0]}</th>`).join('')}<th>definition</th></tr>`;
        for (const n of names) metrics += `<tr><td>${esc(n)}</td>${splits.map(s => `<td>${fmt(s[1][n])}</td>`).join('')}<td style="text-align:left">${esc(card.metric_definitions[n] || '')}</td></tr>`;
        metrics += `</table><p class=muted>Compared on: ${esc(v.metrics.evaluated_on)} rows${v.metrics.test ? ` (${(v.metrics.test.rows || 0).toLocaleString()})` : ''}.</p>`;
        if (v.card && v.card.calibration) {
          metrics += `<div class=charts id=training-calibration>` + calibration(v.card.calibration, `calibration on the ${esc(v.metrics.evaluated_on)} rows: share of 1s by predicted probability`, 3) + '</div>';
        }
        html += section('quality', 'Metrics', metrics);
        if (v.inference) {
          const terms = Object.entries(v.inference.terms);
          let t = `<table id=inference><tr><th>term</th><th>coef</th><th>se</th><th>${v.inference.test}</th><th>p</th><th>95% CI</th></tr>`;
          for (const [name, term] of terms) t += `<tr><td>${esc(name)}</td><td>${fmt(term.coef)}</td><td>${fmt(term.se)}</td><td>${fmt(term.statistic)}</td><td>${term.p < 1e-4 ? '<0.0001' : fmt(term.p)}</td><td>[${fmt(term.ci_low)}, ${fmt(term.ci_high)}]</td></tr>`;
          const stats = Object.entries(v.inference.statistics || {}).map(([k, x]) => `${esc(k)} ${fmt(x)}`).join(' · ');
          html += section('coefficients', 'Coefficients', t + '</table>' + (stats ? `<p class=muted>${stats}</p>` : ''));
        } else if (v.importance) {
          const items = Object.entries(v.importance).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, gain]) => ({ name, value: gain }));
          html += section('coefficients', 'Feature importance', `<div class=charts>${bars(items, `share of the split gain, ${v.trees} trees`)}</div>`);
        } else {
          const items = Object.entries(v.coefficients).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 25);
          let t = '<table id=inference><tr><th>term</th><th>coef</th></tr>' + items.map(([n, c]) => `<tr><td>${esc(n)}</td><td>${fmt(c)}</td></tr>`).join('');
          html += section('coefficients', 'Coefficients', t + `</table><p class=muted>Intercept ${fmt(v.intercept)}. A penalised fit: no standard errors (they would not mean what they say).</p>`);
        }
        const hp = Object.entries(v.hyperparameters || {});
        let tuning = hp.length ? `<table id=hyperparameters>${hp.map(([k, x]) => `<tr><td>${esc(k)}</td><td>${esc(typeof x === 'object' ? JSON.stringify(x) : x)}</td></tr>`).join('')}</table>` : '<p class=muted>The kind\'s defaults.</p>';
        if (card.trials && card.trials.length) {
          const done = card.trials.filter(t => t.score != null);
          const metric = card.trials[0].metric;
          tuning += chart([{ name: 'trial score', dots: 2.5, line: false, points: done.map(t => [t.number, t.score]) },
                           { name: 'this version', color: '#dc2626', dots: 5, points: done.filter(t => t.model_id === v.id).map(t => [t.number, t.score]) }],
                          `the search: ${card.trials.length} trials by validation ${metric}`, metric, 'trial');
        }
        html += section('tuning', 'Hyperparameters', tuning);
        const m = card.monitoring;
        if (m) {
          let live = `<p>${m.live.all.rows.toLocaleString()} labelled answers: ` + Object.entries(m.live.all.metrics).filter(([k]) => k !== 'rows').map(([k, x]) => `${esc(k)} ${fmt(x)}`).join(' · ') + '</p>';
          if (m.calibration) live += calibration(m.calibration, 'calibration on feedback');
          html += section('live', 'In service', live + `<p><a href="/models/${v.id}/monitoring">monitoring →</a></p>`);
        } else {
          html += section('live', 'In service', `<p class=muted>No feedback yet: POST /feedback with the request ids of answers, and live quality${card.task === 'binary_classification' ? ' and calibration' : ''} appear here.</p>`);
        }
        const history = card.assignments.map(a => `<tr><td>${esc(a.assigned_at)}</td><td>${a.from_model_id ?? '–'}</td><td>${a.to_model_id === v.id ? `<b>${a.to_model_id} (this)</b>` : a.to_model_id}</td><td>${a.version}</td><td>${esc(a.assigned_by)}</td></tr>`).join('');
        html += section('assignments', `Production history of ${v.name}`, history ? `<table id=assignment-table><tr><th>when</th><th>from id</th><th>to id</th><th>version</th><th>by</th></tr>${history}</table>` : '<p class=muted>Never assigned.</p>');
        let data = `<dl>${v.training_query ? `<dt>query</dt><dd><code>${esc(v.training_query)}</code></dd>` : ''}<dt>fingerprint</dt><dd><code>${esc(v.data_fingerprint || '–')}</code></dd>`;
        const c = card.cleaning;
        if (c) data += `<dt>rows read</dt><dd>${c.rows_read.toLocaleString()}${c.where ? ` (where ${esc(c.where)})` : ''}</dd><dt>dropped</dt><dd>${c.duplicates_dropped.toLocaleString()} duplicates, ${c.suspicious_dropped.toLocaleString()} suspicious (on_suspicious: ${esc(c.on_suspicious)})</dd>`;
        data += '</dl><div id=profile></div>';
        html += section('data', 'Data', data);
        document.getElementById('card').innerHTML = html;
        if (card.profile) renderProfile(card.profile, document.getElementById('profile'));
        else document.getElementById('profile').innerHTML = '<p class=muted>No profile of the training rows (trained before profiles, or learnt online).</p>';
        document.body.dataset.loaded = 'yes';
        """#
}
