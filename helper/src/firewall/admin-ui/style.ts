/** The admin page's only stylesheet, served from our own origin so that the CSP needs no 'unsafe-inline'. */
export const STYLESHEET = `
:root { color-scheme: light; --fg: #1d1f24; --muted: #5f6673; --line: #d9dde3; --accent: #2f5bd3; --bad: #b42318; --ok: #067647; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f6f7f9; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .7rem 1.5rem; background: #1d2433; color: #fff; }
header h1 { font-size: 1rem; margin: 0; font-weight: 600; }
header nav { display: flex; gap: 1rem; flex: 1; }
header a { color: #c9d4ff; text-decoration: none; }
header form { margin: 0; }
header .who { color: #aab3c5; font-size: .85rem; }
main { max-width: 1100px; margin: 1.2rem auto; padding: 0 1.5rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.2rem; margin-bottom: 1.2rem; }
h2 { font-size: 1.05rem; margin: 0 0 .7rem; }
h2 .count { color: var(--muted); font-weight: 400; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
td > code { white-space: nowrap; }
table + h2 { margin-top: 1.4rem; }
.empty { color: var(--muted); }
form.inline { display: flex; gap: .4rem; margin: 0; }
input[type=text], input[type=password], input[type=date], input[type=search] { padding: .35rem .5rem; border: 1px solid #b9c0cb; border-radius: 4px; font: inherit; min-width: 0; }
button { padding: .35rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; font: inherit; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.flash { padding: .6rem .9rem; border-radius: 4px; margin-bottom: 1rem; }
.flash.ok { background: #ecfdf3; color: var(--ok); border: 1px solid #abefc6; }
.flash.bad { background: #fef3f2; color: var(--bad); border: 1px solid #fecdca; }
.action-deny { color: var(--bad); font-weight: 600; }
.action-quarantine { color: #b54708; font-weight: 600; }
.action-allow { color: var(--ok); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: .5rem; align-items: end; }
.grid label { display: flex; flex-direction: column; gap: .2rem; font-size: .85rem; color: var(--muted); }
.login { max-width: 380px; margin: 4rem auto; }
.login label { display: flex; flex-direction: column; gap: .25rem; margin-bottom: .8rem; }
.pager { margin-top: .7rem; }
`;
