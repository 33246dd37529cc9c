// Loader of the operations page: the same WASM bundle as the adapter, another entry point.
import init, { start_operations } from './pkg/app.js';

await init({ module_or_path: './pkg/app_bg.wasm' });
start_operations();
