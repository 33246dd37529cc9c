// Loader of the options page: the same WASM bundle as the adapter, another entry point.
import init, { start_options } from './pkg/app.js';

await init({ module_or_path: './pkg/app_bg.wasm' });
start_options();
