// One line per visualisation: the model type it renders comes from its definition.
import { registerPanel } from './registry';
import { flameGraphPanel } from './flamegraph/panel';
import { histogramPanel } from './histogram/panel';
import { heatmapPanel } from './heatmap/panel';
import { tablePanel } from './table/panel';
import { breakdownPanel } from './breakdown/panel';
import { timelinePanel } from './timeline/panel';
import { timeseriesPanel } from './timeseries/panel';

registerPanel(flameGraphPanel);
registerPanel(histogramPanel);
registerPanel(heatmapPanel);
registerPanel(tablePanel);
registerPanel(breakdownPanel);
registerPanel(timelinePanel);
registerPanel(timeseriesPanel);
