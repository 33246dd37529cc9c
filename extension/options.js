// Loader of the options page: the admin's WASM file, shared with the operations page (issue 19).
import init, { start_options } from './pkg/admin.js';

await init({ module_or_path: './pkg/admin_bg.wasm' });
start_options();
