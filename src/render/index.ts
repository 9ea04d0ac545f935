/**
 * The one chart kit (layer 1): palette, escaping, number formats, ticks, the plot frame and axes, and the
 * chart primitives the insights report, the analyses and the model report draw with.
 */
export * from './text.js';
export * from './palette.js';
export { type Plot, type LegendItem, type LegendCorner, extent, openSvg } from './plot.js';
export { barChart, barItems, type BarItem, type BarChartOptions } from './bars.js';
export { histogramChart, type BarSeries, type HistogramOptions } from './histogram.js';
export { lineChart, type LineSeries, type LineChartOptions } from './line.js';
export { scatterChart, type ScatterOptions } from './scatter.js';
export { heatmapChart, type HeatmapOptions } from './heatmap.js';
export { swarmChart, type SwarmRow } from './swarm.js';
export { stackCharts } from './stack.js';
