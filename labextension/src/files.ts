/**
 * Files to and from the user's computer: a download of a session exported by the server, and the
 * files picked to import.
 */

/** Have the browser save `content` as a file named `name` (to its downloads, or where the user says). */
export function download(name: string, content: Blob): void {
  const url = URL.createObjectURL(content);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Let go of the blob once the browser has surely read it (a URL would keep it alive until the page closes).
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Let the user pick files with the browser's file chooser; resolves with those picked (none if cancelled). */
export function pickFiles(accept: string): Promise<File[]> {
  return new Promise(resolve => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.multiple = true;
    input.addEventListener('change', () => resolve(Array.from(input.files ?? [])));
    input.addEventListener('cancel', () => resolve([]));
    input.click();
  });
}
