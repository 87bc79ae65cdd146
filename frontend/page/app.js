/*
 * The page of wgmond (docs/DESIGN.md §9), served by the frontend as /app.js.
 *
 * The table is /status, fetched again after every event from /events,
 * which the frontend sends once the new snapshot is in place.  Names,
 * keys and endpoints come from the status script: they go into the page
 * as text (textContent), never as markup.  The stream reconnects by
 * itself; while it is down, or the last run of the script failed, the
 * page says that what it shows is stale.
 */
"use strict";

const STREAM_RETRY_MS = 5000;
const POLL_MS = 15000;
const EVENTS = ["initial_status", "status_change", "new_peer",
	"peer_removed", "collect_error", "collect_recovered", "gap"];

let peers = [];		/* rows of /status, with when they were fetched */
let changed = new Set();	/* rows an event touched, to highlight */
let streamUp = false;
let health = null;	/* the last /healthz, or null when unreachable */
let source = null;
let refreshTimer = null;

function rowId(iface, key) {
	return iface + "\n" + key;
}

function flatten(status, now) {
	const rows = [];

	for (const iface of Object.keys(status).sort()) {
		const list = status[iface] || {};
		for (const key of Object.keys(list)) {
			const p = list[key];
			rows.push({
				iface: iface, key: key,
				name: typeof p.name === "string" ? p.name : "",
				status: String(p.status),
				ago: typeof p.lastHandshakeSecondsAgo === "number" ?
				    p.lastHandshakeSecondsAgo : null,
				at: now,
				endpoint: p.endpoint == null ? "" : String(p.endpoint),
				aips: Array.isArray(p.allowedIps) ?
				    p.allowedIps.map(String) : []
			});
		}
	}
	rows.sort((a, b) => a.iface < b.iface ? -1 : a.iface > b.iface ? 1 :
	    (a.name || a.key).localeCompare(b.name || b.key));
	return rows;
}

function age(row) {
	let s;

	if (row.ago === null)
		return "never";
	s = Math.max(0, Math.round(row.ago + (Date.now() - row.at) / 1000));
	if (s < 120)
		return s + " s ago";
	if (s < 7200)
		return Math.floor(s / 60) + " min ago";
	if (s < 172800)
		return Math.floor(s / 3600) + " h " +
		    Math.floor(s % 3600 / 60) + " min ago";
	return Math.floor(s / 86400) + " days ago";
}

function cell(tr, cls, text) {
	const td = document.createElement("td");

	td.className = cls;
	td.textContent = text;
	tr.appendChild(td);
	return td;
}

function makeRow(row) {
	const tr = document.createElement("tr");
	const badge = document.createElement("span");

	tr.dataset.iface = row.iface;
	tr.dataset.key = row.key;
	tr.dataset.status = row.status;
	if (changed.has(rowId(row.iface, row.key)))
		tr.className = "changed";
	cell(tr, "iface", row.iface);
	cell(tr, "name", row.name);
	cell(tr, "key", row.key);
	badge.className = "status " + row.status.replace(/[^a-z_]/g, "");
	badge.textContent = row.status.replace("_", " ");
	cell(tr, "status", "").appendChild(badge);
	cell(tr, "age", age(row));
	cell(tr, "endpoint", row.endpoint);
	cell(tr, "aips", row.aips.join(", "));
	return tr;
}

function renderTable() {
	const tbody = document.querySelector("#peers tbody");

	tbody.replaceChildren(...peers.map(makeRow));
	document.getElementById("empty").hidden = peers.length > 0;
	changed.clear();
}

function renderAges() {
	const cells = document.querySelectorAll("#peers tbody td.age");

	cells.forEach((td, i) => {
		if (peers[i])
			td.textContent = age(peers[i]);
	});
}

function renderHealth() {
	const el = document.getElementById("health");
	let text, stale = true;

	if (!streamUp)
		text = "Stale: no connection to wgmond; reconnecting\u2026";
	else if (health === null)
		text = "Stale: wgmond did not answer /healthz";
	else if (health.status === "ok") {
		stale = false;
		text = "Live \u2014 last run of the status script " +
		    Math.max(0, Math.round(Date.now() / 1000 -
		    health.lastSuccess)) + " s ago";
	} else if (health.status === "starting")
		text = "Stale: no successful run of the status script yet";
	else {
		text = "Stale: the last run of the status script failed";
		if (health.lastError)
			text += " (" + health.lastError.error + ": " +
			    health.lastError.detail + ")";
	}
	el.textContent = text;
	el.className = "health " + (stale ? "stale" : "ok");
	document.body.classList.toggle("stale", stale);
	document.body.dataset.state = stale ? "stale" : "live";
}

async function fetchJSON(path) {
	const r = await fetch(path, { cache: "no-cache" });

	if (r.status === 503)
		return null;
	if (!r.ok)
		throw new Error(path + ": " + r.status);
	return r.json();
}

async function refresh() {
	try {
		const status = await fetchJSON("status");
		peers = status === null ? [] : flatten(status, Date.now());
		renderTable();
	} catch (e) {
		/* The daemon is away; the stream says so. */
	}
	try {
		const r = await fetch("healthz", { cache: "no-store" });
		health = await r.json();
	} catch (e) {
		health = null;
	}
	renderHealth();
}

/* A burst of events (a whole interface going) is one refresh. */
function refreshSoon() {
	if (refreshTimer !== null)
		return;
	refreshTimer = setTimeout(() => {
		refreshTimer = null;
		refresh();
	}, 200);
}

function onEvent(ev) {
	let d;

	try {
		d = JSON.parse(ev.data);
	} catch (e) {
		return;
	}
	if (typeof d.interface === "string" && typeof d.peer === "string")
		changed.add(rowId(d.interface, d.peer));
	refreshSoon();
}

/*
 * EventSource retries by itself after a dropped connection, but gives
 * up after an answer that is not a stream (a 503 when 64 are open):
 * then a new one, a little later.
 */
function connect() {
	source = new EventSource("events");
	source.onopen = () => {
		streamUp = true;
		refresh();
	};
	source.onerror = () => {
		streamUp = false;
		renderHealth();
		if (source.readyState === EventSource.CLOSED) {
			source.close();
			setTimeout(connect, STREAM_RETRY_MS);
		}
	};
	for (const name of EVENTS)
		source.addEventListener(name, onEvent);
}

document.addEventListener("DOMContentLoaded", () => {
	renderHealth();
	connect();
	setInterval(() => {
		renderAges();
		renderHealth();
	}, 1000);
	setInterval(refresh, POLL_MS);
});
