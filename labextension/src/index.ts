/**
 * codex-jupyter in JupyterLab: the notebook-metadata bridge for kernels (and the sidebar chat).
 */

import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { notebookBridgePlugin } from './bridge';
import { sidebarPlugin } from './sidebar';

const plugins: JupyterFrontEndPlugin<any>[] = [notebookBridgePlugin, sidebarPlugin];

export default plugins;
