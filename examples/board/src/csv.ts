/**
 * A batch's codes as a CSV file made in the browser (a blob: URL behind a download link): the codes
 * are already on the page, and CT's own `csvUrl` points at CT's download host, which a board that
 * loads nothing from outside the machine cannot use. Downloads are navigations, which the CSP's
 * fetch directives do not govern, so the strict policy needs no blob: exception.
 */
export interface CodeRow {
  username: string;
  password?: string | null;
  active: boolean;
}

function cell(value: string): string {
  // Quote every cell; a leading =, +, - or @ would be a formula to a spreadsheet.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function codesCsv(codes: CodeRow[]): string {
  const lines = [['username', 'password', 'active'].map(cell).join(',')];
  for (const code of codes) lines.push([code.username, code.password ?? '', String(code.active)].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A download link for the CSV; the caller revokes the URL when the link goes. */
export function csvLink(codes: CodeRow[], fileName: string): { link: HTMLAnchorElement; revoke(): void } {
  const url = URL.createObjectURL(new Blob([codesCsv(codes)], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.className = 'csv';
  link.textContent = `Download CSV (${codes.length} codes)`;
  return { link, revoke: () => URL.revokeObjectURL(url) };
}
