// Exports: the analysis as JSON (the CLI's format), the flows table as CSV, a chart as PNG.

export function download(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function stem(name: string | null): string {
  return (name ?? 'capture').replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '') || 'capture';
}

/** One entry of an exported chart's legend. */
export interface PngLegendItem {
  color: string;
  label: string;
  dashed?: boolean;
}

export interface PngOptions {
  background: string;
  fg: string;
  muted: string;
  /** Written above the chart. */
  title: string;
  /** Written under the chart, one swatch per series. */
  legend: PngLegendItem[];
}

/** The UI's font (the body's computed font-family), so the PNG reads as the app does. */
function uiFont(): string {
  return (typeof getComputedStyle === 'function' && getComputedStyle(document.body).fontFamily) || 'system-ui, sans-serif';
}

/**
 * Render the first <svg> inside `el` to a PNG (2x, on the theme's background), with the
 * chart's title above it and its legend below, in the UI's font: a PNG pasted into a
 * report says what it shows. The SVG's text gets the font too (a serialized SVG drawn as
 * an image knows no page CSS and would fall back to a serif).
 */
export async function svgToPng(el: Element, o: PngOptions): Promise<Blob> {
  const svg = el instanceof SVGSVGElement ? el : el.querySelector('svg');
  if (!svg) throw new Error('no chart to export');
  const box = svg.getBoundingClientRect();
  const w = Math.max(1, Math.round(box.width)), h = Math.max(1, Math.round(box.height));
  const font = uiFont();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.setAttribute('font-family', font);
  clone.style.fontFamily = font;
  const text = new XMLSerializer().serializeToString(clone);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((ok, fail) => {
      img.onload = () => ok();
      img.onerror = () => fail(new Error('could not render the chart'));
      img.src = url;
    });
    const pad = 12, titleH = 28, legendH = o.legend.length ? 24 : 0;
    const W = w + 2 * pad, H = h + titleH + legendH + pad;
    const canvas = document.createElement('canvas');
    canvas.width = W * 2;
    canvas.height = H * 2;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    ctx.fillStyle = o.background;
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = o.fg;
    ctx.font = `600 14px ${font}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(o.title, pad, titleH / 2 + 4);
    ctx.drawImage(img, pad, titleH, w, h);
    // the legend: swatches and labels in a row, wrapped at the chart's width
    ctx.font = `12px ${font}`;
    let x = pad;
    const y = titleH + h + legendH / 2 + 2;
    for (const item of o.legend) {
      const tw = ctx.measureText(item.label).width;
      if (x + 18 + tw > W - pad && x > pad) break;
      ctx.strokeStyle = item.color;
      ctx.fillStyle = item.color;
      if (item.dashed) {
        ctx.lineWidth = 2;
        ctx.setLineDash([4, 2]);
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + 14, y);
        ctx.stroke();
        ctx.setLineDash([]);
      } else ctx.fillRect(x, y - 5, 14, 10);
      ctx.fillStyle = o.muted;
      ctx.fillText(item.label, x + 18, y);
      x += 18 + tw + 14;
    }
    return await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
