// Loader of the options page: its own WASM file (issue 19).
import init, { start_options } from './pkg/options.js';

await init({ module_or_path: './pkg/options_bg.wasm' });
start_options();
