/// The pages' chart drawing, in one place: a small script (no library, nothing from a CDN,
/// so the pages work offline) that turns JSON series into SVG line charts with bands and
/// bar charts. Pages include it before their own script.
enum ChartScript {
    static let library = #"""
        const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#be185d'];
        const esc = s => String(s).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
        const fmt = v => v == null || !isFinite(v) ? '–' : Number.isInteger(v) && Math.abs(v) < 1e15 ? v.toLocaleString('en-US') : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);

        function niceTicks(lo, hi, n) {
          const span = hi - lo || Math.abs(hi) || 1, step0 = span / n;
          const mag = Math.pow(10, Math.floor(Math.log10(step0)));
          const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0);
          const ticks = [];
          for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12) || 0);
          return ticks;
        }

        // A line chart in SVG: series [{name, points: [[x, y]], band: [[x, lo, hi]]}]; xRange
        // [lo, hi] fixes the x axis (else the data's extent).
        function chart(series, title, yLabel, xLabel = 'rows seen', xRange = null) {
          const W = 560, H = 250, L = 58, R = 30, T = 26, B = 36;
          const xs = [], ys = [];
          for (const s of series) {
            for (const p of s.points) { xs.push(p[0]); ys.push(p[1]); }
            for (const b of s.band || []) { ys.push(b[1], b[2]); }
          }
          const finite = ys.filter(isFinite);
          if (!xs.length || !finite.length) return `<svg class=chart width=${W} height=${H}><text x=${L} y=${H / 2}>${esc(title)}: no data yet</text></svg>`;
          let x0 = xRange ? xRange[0] : Math.min(...xs), x1 = xRange ? xRange[1] : Math.max(...xs), y0 = Math.min(...finite), y1 = Math.max(...finite);
          if (x1 === x0) x1 = x0 + 1;
          if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
          const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
          const X = x => L + (x - x0) / (x1 - x0) * (W - L - R), Y = y => T + (y1 - y) / (y1 - y0) * (H - T - B);
          let svg = `<svg class=chart width=${W} height=${H} viewBox="0 0 ${W} ${H}" data-series=${series.length}>`;
          svg += `<text x=${L} y=15 style="font-weight:600">${esc(title)}</text>`;
          for (const t of niceTicks(y0, y1, 5)) svg += `<line x1=${L} x2=${W - R} y1=${Y(t)} y2=${Y(t)} stroke="#eee" /><text x=${L - 6} y=${Y(t) + 4} text-anchor=end>${fmt(t)}</text>`;
          // Whole-number x values (versions) get whole-number ticks.
          const whole = xs.every(Number.isInteger);
          for (const t of niceTicks(x0, x1, 6).filter(t => !whole || Number.isInteger(t))) svg += `<text x=${X(t)} y=${H - B + 16} text-anchor=middle>${t.toLocaleString()}</text>`;
          svg += `<text x=${(L + W - R) / 2} y=${H - 4} text-anchor=middle>${esc(xLabel)}</text>`;
          svg += `<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor=middle>${esc(yLabel)}</text>`;
          if (y0 < 0 && y1 > 0) svg += `<line x1=${L} x2=${W - R} y1=${Y(0)} y2=${Y(0)} stroke="#999" stroke-dasharray="3 3" />`;
          series.forEach((s, i) => {
            const color = s.color || palette[i % palette.length];
            const band = (s.band || []).filter(b => isFinite(b[1]) && isFinite(b[2]));
            if (band.length > 1) {
              const upper = band.map(b => `${X(b[0]).toFixed(1)},${Y(b[2]).toFixed(1)}`), lower = band.map(b => `${X(b[0]).toFixed(1)},${Y(b[1]).toFixed(1)}`).reverse();
              svg += `<polygon class=band points="${upper.concat(lower).join(' ')}" fill="${color}" fill-opacity=0.15 stroke=none />`;
            }
            const pts = s.points.filter(p => isFinite(p[1]));
            if (pts.length && s.line !== false) svg += `<polyline class=series data-points=${pts.length} points="${pts.map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}" fill=none stroke="${color}" stroke-width=${s.thin ? 1 : 2} ${s.thin ? 'stroke-opacity=0.4' : ''} />`;
            if (s.dots) for (const p of pts) svg += `<circle class=dot cx=${X(p[0]).toFixed(1)} cy=${Y(p[1]).toFixed(1)} r=${s.dots} fill="${color}" />`;
            svg += `<rect x=${W - R - 150} y=${T + 4 + i * 15} width=10 height=3 fill="${color}" /><text x=${W - R - 136} y=${T + 9 + i * 15}>${esc(s.name)}</text>`;
          });
          return svg + '</svg>';
        }

        // At most about 600 points a series, always keeping the last.
        function thin(list) {
          const k = Math.ceil(list.length / 600);
          return k <= 1 ? list : list.filter((_, i) => i % k === 0 || i === list.length - 1);
        }

        // Request rate and latency over time from request activity documents
        // ([{name, color, activity: {interval_seconds, series}}]), against time before now.
        function traffic(versions) {
          // The x axis: the window, or if the traffic began later, from an hour before it.
          const now = Date.now(), window = Math.max(60e3, ...versions.map(v => now - Date.parse(v.activity.since)));
          const began = Math.min(now, ...versions.flatMap(v => v.activity.series.map(p => Date.parse(p.at))));
          const span = Math.min(window, Math.max(3600e3, now - began + 60e3));
          const hours = span > 3 * 3600e3, unit = hours ? 3600e3 : 60e3, label = hours ? 'hours before now' : 'minutes before now';
          const range = [-span / unit, 0];
          const x = p => -(now - Date.parse(p.at)) / unit;
          // Dots too while a series has few points (one minute of traffic is one point, no line).
          const each = (f, suffix = '') => versions.map((v, i) => ({ name: v.name + suffix, color: v.color || palette[i % palette.length], thin: suffix !== '', dots: v.activity.series.length <= 30 ? 3 : 0, points: v.activity.series.map(p => [x(p), f(p)]) }));
          const interval = versions.length ? versions[0].activity.interval_seconds : 60;
          return {
            rate: chart(each(p => p.per_second), `requests per second (${interval / 60}-minute intervals)`, 'requests / s', label, range),
            latency: chart([...each(p => p.p99_ms, ' p99'), ...each(p => p.p50_ms)], 'latency: p50 (solid) and p99 (thin), from the histogram', 'milliseconds', label, range),
          };
        }

        // Horizontal bars: items [{name, value, color}], with optional reference lines [{at, label}].
        function bars(items, title, lines = []) {
          const W = 560, row = 22, T = 26, L = 150, R = 60, H = T + row * items.length + 24;
          const top = Math.max(...items.map(i => i.value).filter(isFinite), ...lines.map(l => l.at), 1e-9);
          const X = v => L + Math.max(0, v) / top * (W - L - R);
          let svg = `<svg class=bars width=${W} height=${H} data-bars=${items.length}><text x=${L} y=15 style="font-weight:600">${esc(title)}</text>`;
          items.forEach((item, i) => {
            const y = T + i * row;
            svg += `<text x=${L - 6} y=${y + 14} text-anchor=end>${esc(item.name)}</text>`;
            svg += `<rect class=bar x=${L} y=${y + 3} width=${Math.max(1, X(item.value) - L).toFixed(1)} height=${row - 8} fill="${item.color || palette[0]}" />`;
            svg += `<text x=${X(item.value) + 4} y=${y + 14}>${fmt(item.value)}</text>`;
          });
          let labelled = -Infinity;
          for (const l of lines) {
            svg += `<line x1=${X(l.at)} x2=${X(l.at)} y1=${T} y2=${H - 20} stroke="#999" stroke-dasharray="3 3" />`;
            // A label only where it does not run into the previous one.
            if (X(l.at) - labelled > 24) { svg += `<text x=${X(l.at)} y=${H - 6} text-anchor=middle>${esc(l.label)}</text>`; labelled = X(l.at); }
          }
          return svg + '</svg>';
        }

        // Observed share of 1s against the mean predicted probability, per bin, beside the diagonal.
        function calibration(bins, title, dots = 0) {
          const filled = bins.filter(b => b.rows > 0);
          return chart([{ name: 'observed rate', dots, points: filled.map(b => [b.mean_predicted, b.observed_rate]) },
            { name: 'perfect calibration', color: '#9ca3af', thin: true, points: [[0, 0], [1, 1]] }],
            title, 'observed rate', 'mean predicted probability');
        }

        function histogram(edges, counts, title, marks = []) {
          const W = 260, H = 130, L = 8, R = 8, T = 22, B = 22, n = counts.length;
          const top = Math.max(...counts, 1), w = (W - L - R) / Math.max(n, 1);
          let svg = `<svg class=histogram width=${W} height=${H} data-bins=${n}><text x=${L} y=14 style="font-weight:600">${esc(title)}</text>`;
          counts.forEach((c, i) => {
            const h = c / top * (H - T - B);
            svg += `<rect class=bin x=${(L + i * w + 0.5).toFixed(1)} y=${(H - B - h).toFixed(1)} width=${Math.max(1, w - 1).toFixed(1)} height=${Math.max(c > 0 ? 1 : 0, h).toFixed(1)} fill="${palette[0]}"><title>${fmt(edges[i])} – ${fmt(edges[i + 1])}: ${c.toLocaleString()}</title></rect>`;
          });
          const X = v => L + (v - edges[0]) / ((edges[n] - edges[0]) || 1) * (W - L - R);
          for (const m of marks) svg += `<line x1=${X(m.at).toFixed(1)} x2=${X(m.at).toFixed(1)} y1=${T} y2=${H - B} stroke="#dc2626" stroke-dasharray="3 2"><title>${esc(m.label)}</title></line>`;
          svg += `<text x=${L} y=${H - 6}>${fmt(edges[0])}</text><text x=${W - R} y=${H - 6} text-anchor=end>${fmt(edges[n])}</text>`;
          return svg + '</svg>';
        }

        function heatmap(matrix, title) {
          const names = matrix.columns, n = names.length, cell = Math.max(18, Math.min(40, 360 / Math.max(n, 1)));
          const L = 110, T = 28 + 100, W = L + n * cell + 10, H = T + n * cell + 10;
          const colour = v => v == null ? '#f3f4f6' : v >= 0 ? `rgba(37,99,235,${Math.abs(v).toFixed(2)})` : `rgba(220,38,38,${Math.abs(v).toFixed(2)})`;
          let svg = `<svg class=heatmap width=${W} height=${H} data-columns=${n}><text x=4 y=15 style="font-weight:600">${esc(title)}</text>`;
          names.forEach((name, j) => { svg += `<text transform="translate(${L + j * cell + cell / 2 + 4},${T - 6}) rotate(-60)">${esc(name)}</text>`; });
          names.forEach((name, i) => {
            svg += `<text x=${L - 6} y=${T + i * cell + cell / 2 + 4} text-anchor=end>${esc(name)}</text>`;
            names.forEach((other, j) => {
              const v = matrix.values[i][j];
              svg += `<rect class=cell x=${L + j * cell} y=${T + i * cell} width=${cell - 1} height=${cell - 1} fill="${colour(v)}"><title>${esc(name)} ~ ${esc(other)}: ${fmt(v)}</title></rect>`;
              if (cell >= 30 && v != null) svg += `<text x=${L + j * cell + cell / 2} y=${T + i * cell + cell / 2 + 4} text-anchor=middle style="fill:${Math.abs(v) > 0.6 ? '#fff' : '#222'}">${v.toFixed(2)}</text>`;
            });
          });
          return svg + '</svg>';
        }
        """#
}
