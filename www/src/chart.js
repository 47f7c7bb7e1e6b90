// Charts drawn by uPlot: the lead's score over time, and the backtest's charts.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const COLORS = { total: '#1f5fbf', fit: '#2e8540', engagement: '#b35c00', other: '#7a3fb0', grey: '#6b6b6b' };

/** A vertical line at x = `at()` (today on the score chart, the threshold on a sweep). */
function markerPlugin(at, color = '#c0392b') {
    return {
        hooks: {
            draw: (u) => {
                const x = at();
                if (x == null) return;
                const px = u.valToPos(x, 'x', true);
                const { ctx } = u;
                ctx.save();
                ctx.strokeStyle = color;
                ctx.setLineDash([6, 4]);
                ctx.lineWidth = 2 * devicePixelRatio;
                ctx.beginPath();
                ctx.moveTo(px, u.bbox.top);
                ctx.lineTo(px, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.restore();
            },
        },
    };
}

/** A uPlot chart that follows its container's width. */
export function lineChart(
    parent,
    { title, xLabel, xName = xLabel, yLabel, series, marker, height = 240, xTime = false, scales },
) {
    const width = () => Math.max(260, parent.clientWidth - 8);
    const plot = new uPlot(
        {
            title,
            width: width(),
            height,
            scales: { x: { time: xTime }, ...scales },
            axes: [{ label: xLabel }, { label: yLabel }],
            series: [{ label: xName }, ...series],
            plugins: marker ? [markerPlugin(marker)] : [],
            cursor: { drag: { x: false, y: false } },
        },
        [[], ...series.map(() => [])],
        parent,
    );
    new ResizeObserver(() => {
        if (Math.abs(plot.width - width()) > 4) plot.setSize({ width: width(), height });
    }).observe(parent);
    return plot;
}
