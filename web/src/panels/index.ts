// One line per visualisation: the model type it renders comes from its definition.
import { registerPanel } from './registry';
import { flameGraphPanel } from './flamegraph/panel';

registerPanel(flameGraphPanel);
