import { LabIcon } from '@jupyterlab/ui-components';

/** A speech bubble with three dots cut out; `jp-icon3` lets the theme colour it like Lab's own icons. */
const chatSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2h-9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM6 10.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0zm4.5 0a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0zm4.5 0a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0z"/>
</svg>`;

export const chatIcon = new LabIcon({ name: 'codex-jupyter:chat', svgstr: chatSvg });
