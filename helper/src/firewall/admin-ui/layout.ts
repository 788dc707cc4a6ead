/** The frame every admin page shares: title, navigation, who is logged in, logout, and the one-time message. */
import { html, type Html } from './html.js';
import type { Session } from './sessions.js';

/** A time as operators read it in a table: minutes, UTC. */
export function when(d: Date | undefined): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}

/** The hidden field that carries the session's synchronizer token in every form. */
export const csrfField = (s: Session): Html => html`<input type="hidden" name="csrf" value="${s.csrf}">`;

export function layout(title: string, body: Html, session?: Session): Html {
  const flash = session?.flash;
  if (session) delete session.flash;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · sscs firewall</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
<h1>sscs firewall admin</h1>
${session
  ? html`<nav><a href="./">Overview</a><a href="audit">Audit log</a></nav>
<span class="who">signed in as ${session.operator}</span>
<form method="post" action="logout">${csrfField(session)}<button class="secondary" type="submit">Log out</button></form>`
  : html`<nav></nav>`}
</header>
<main>
${flash ? html`<p class="flash ${flash.ok ? 'ok' : 'bad'}" role="status">${flash.text}</p>` : ''}
${body}
</main>
</body>
</html>
`;
}

export function loginPage(error?: string): Html {
  return layout(
    'Log in',
    html`<section class="login">
<h2>Log in</h2>
${error ? html`<p class="flash bad" role="alert">${error}</p>` : ''}
<form method="post" action="login">
<label>Your name (recorded with what you release or waive)<input type="text" name="operator" required maxlength="100" autocomplete="username"></label>
<label>Admin token<input type="password" name="token" required autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>
</section>`,
  );
}

/** A page that only says what went wrong, with a way back. */
export function messagePage(title: string, message: string, session?: Session): Html {
  return layout(title, html`<section><h2>${title}</h2><p>${message}</p><p><a href="./">Back to the overview</a></p></section>`, session);
}
