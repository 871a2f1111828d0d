/* SPDX-License-Identifier: MIT */
/* elscope's HTML report: decode the rows, build levels of detail, draw. */
"use strict";
(function () {
const T0 = performance.now();
const $ = (id) => document.getElementById(id);
const meta = JSON.parse($("meta").textContent);
const freq = meta.freq, tick = Math.pow(2, meta.shift) / freq; /* s/unit */
const SPAN = Math.max(1, meta.span);

/* ---- decoding ---------------------------------------------------------- */
const B64 = new Uint8Array(128);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	.split("").forEach((c, i) => { B64[c.charCodeAt(0)] = i; });
function unbase64(s) {
	let n = s.length;
	while (n && s.charCodeAt(n - 1) === 61) n--;
	const out = new Uint8Array((n * 3) >> 2);
	let j = 0, i = 0;
	for (; i + 4 <= n; i += 4) {
		const v = B64[s.charCodeAt(i)] << 18 | B64[s.charCodeAt(i + 1)] << 12 |
			B64[s.charCodeAt(i + 2)] << 6 | B64[s.charCodeAt(i + 3)];
		out[j++] = v >> 16; out[j++] = v >> 8 & 255; out[j++] = v & 255;
	}
	if (n - i >= 2) {
		const v = B64[s.charCodeAt(i)] << 18 | B64[s.charCodeAt(i + 1)] << 12 |
			(n - i > 2 ? B64[s.charCodeAt(i + 2)] << 6 : 0);
		out[j++] = v >> 16;
		if (n - i > 2) out[j++] = v >> 8 & 255;
	}
	return out;
}
function decodeRow(bytes, n) {
	const s = new Uint32Array(n), e = new Uint32Array(n), o = new Uint32Array(n);
	let p = 0, prev = 0;
	const L = bytes.length;
	function vint() {
		let v = 0, m = 1, b;
		do {
			if (p >= L) throw new Error("row data ends early");
			b = bytes[p++];
			v += (b & 127) * m; m *= 128;
		} while (b & 128);
		return v;
	}
	for (let i = 0; i < n; i++) {
		const z = vint();
		const gap = z % 2 ? -(z + 1) / 2 : z / 2;
		const st = prev + gap, d = vint();
		s[i] = st; e[i] = st + d; o[i] = vint();
		prev = st + d;
	}
	return { s: s, e: e, o: o, c: null, n: n, w: 0 };
}

/* ---- levels of detail -------------------------------------------------- */
/* Level k > 0: buckets of width w; each bucket goes to the owner that covers
   most of it (c: how much of the bucket is covered, 0..255); neighbours with
   the same owner merge. Built from the level below. */
function buildLevel(src, w) {
	let cap = Math.min(src.n, Math.ceil(SPAN / w) + 2) + 16;
	let s = new Uint32Array(cap), e = new Uint32Array(cap),
		o = new Uint32Array(cap), c = new Uint8Array(cap);
	let n = 0;
	const ao = [], at = [];
	let cur = -1;
	function emit(a, b, ow, cov) {
		if (n && o[n - 1] === ow && c[n - 1] === cov && e[n - 1] >= a) {
			if (b > e[n - 1]) e[n - 1] = b;
			return;
		}
		if (n === cap) {
			cap *= 2;
			const s2 = new Uint32Array(cap), e2 = new Uint32Array(cap),
				o2 = new Uint32Array(cap), c2 = new Uint8Array(cap);
			s2.set(s); e2.set(e); o2.set(o); c2.set(c);
			s = s2; e = e2; o = o2; c = c2;
		}
		s[n] = a; e[n] = b; o[n] = ow; c[n] = cov; n++;
	}
	function add(ow, t) {
		for (let k = 0; k < ao.length; k++)
			if (ao[k] === ow) { at[k] += t; return; }
		ao.push(ow); at.push(t);
	}
	function flush() {
		if (!ao.length) return;
		let best = 0, tot = 0;
		for (let k = 0; k < ao.length; k++) {
			tot += at[k];
			if (at[k] > at[best]) best = k;
		}
		const cov = Math.min(255, Math.round(tot / w * 8)) >> 0;
		emit(cur * w, cur * w + w, ao[best], Math.min(8, cov) * 31);
		ao.length = 0; at.length = 0;
	}
	const ss = src.s, se = src.e, so = src.o, sc = src.c;
	for (let i = 0; i < src.n; i++) {
		let a = ss[i];
		const b = se[i], ow = so[i];
		if (b <= a) continue;
		let bs = Math.floor(a / w);
		const be = Math.floor((b - 1) / w);
		if (bs < cur) { bs = cur; a = Math.max(a, cur * w); if (b <= a) continue; }
		/* A partial bucket of the level below counts as what it covered. */
		const f = sc ? sc[i] / 248 : 1;
		if (bs !== cur) { flush(); cur = bs; }
		if (bs === be) { add(ow, (b - a) * f); continue; }
		add(ow, ((bs + 1) * w - a) * f);
		flush();
		if (be > bs + 1) emit((bs + 1) * w, be * w, ow, f >= 1 ? 248 : Math.round(f * 8) * 31);
		cur = be;
		add(ow, (b - be * w) * f);
	}
	flush();
	return { s: s.subarray(0, n), e: e.subarray(0, n), o: o.subarray(0, n),
		c: c.subarray(0, n), n: n, w: w };
}
function pyramid(l0) {
	const levels = [l0];
	let w = 1;
	while (w * 262144 < SPAN) w *= 2;
	if (w < 2) w = 2;
	let src = l0;
	while (src.n > 2048 && w * 128 < SPAN * 4) {
		const lv = buildLevel(src, w);
		levels.push(lv);
		src = lv;
		w *= 4;
	}
	return levels;
}

/* ---- data ------------------------------------------------------------- */
const rows = meta.rows.map((r, i) => {
	const el = $("row" + i);
	const l0 = decodeRow(unbase64(el ? el.textContent : ""), r.n);
	return Object.assign({ data: l0 }, r);
});
const T1 = performance.now();
rows.forEach((r) => { r.levels = pyramid(r.data); });
const T2 = performance.now();
const owners = meta.owners.map((o) => ({ label: o[0], vm: o[1], vcpu: o[2], pid: o[3], level: o[4] }));

/* ---- colours ----------------------------------------------------------- */
const HUES = [212, 26, 146, 278, 350, 186, 48, 110, 318, 240];
const vmHue = (vm) => HUES[((vm % HUES.length) + HUES.length) % HUES.length];
function hash(x) { x = Math.imul(x ^ (x >>> 16), 0x45d9f3b); x = Math.imul(x ^ (x >>> 16), 0x45d9f3b); return (x ^ (x >>> 16)) >>> 0; }
function colour(ow, wait) {
	const o = owners[ow];
	if (!o) return "#999";
	if (o.pid >= 0) {
		if (o.level === "idle") return "#e3e6eb";
		const h = hash(o.pid);
		const hue = o.vm >= 0 ? vmHue(o.vm) + ((h % 7) - 3) * 9 : HUES[h % HUES.length];
		return "hsl(" + hue + "," + (48 + (h >> 3) % 20) + "%," + (56 + (h >> 6) % 16) + "%)";
	}
	if (o.vm < 0 || o.vm === 0x7fff)
		return o.level === "idle" || o.vm === 0x7fff ? "#d6dae1" : "#4b5263";
	const v = o.vcpu >= 0 ? o.vcpu % 5 : 0;
	return "hsl(" + vmHue(o.vm) + "," + (wait ? 62 : 68) + "%," + ((wait ? 62 : 40) + v * 7) + "%)";
}
const cache = new Map();
function col(ow, wait) {
	const k = wait ? -1 - ow : ow;
	let c = cache.get(k);
	if (!c) { c = colour(ow, wait); cache.set(k, c); }
	return c;
}

/* ---- layout ------------------------------------------------------------ */
const GUT = 118, AXIS = 26;
const tl = $("tl"), ov = $("ov"), tip = $("tip");
const layout = [];
(function () {
	let y = AXIS + 4;
	for (let p = 0; p < meta.npcpus; p++) {
		const run = rows[p], task = rows[meta.npcpus + p];
		layout.push({ row: run, y: y, h: 28, label: "pCPU " + p, kind: "run" });
		y += 28;
		if (task && task.n) {
			layout.push({ row: task, y: y + 1, h: 15, label: "tasks", kind: "task" });
			y += 16;
		}
		y += 8;
	}
	const waits = rows.filter((r) => r.kind === "wait");
	if (waits.length) {
		y += 10;
		layout.push({ header: "waiting (runnable, not running)", y: y });
		y += 16;
		waits.forEach((r) => {
			layout.push({ row: r, y: y, h: 16, label: r.label, kind: "wait" });
			y += 19;
		});
	}
	layout.height = y + 6;
})();

/* ---- view -------------------------------------------------------------- */
let v0 = 0, v1 = SPAN, sel = null, dirty = true;
function clampView() {
	const w = Math.max(4, Math.min(SPAN, v1 - v0));
	if (v0 < 0) v0 = 0;
	if (v0 + w > SPAN) v0 = SPAN - w;
	if (v0 < 0) v0 = 0;
	v1 = v0 + w;
}
function fmt(sec) {
	const a = Math.abs(sec);
	if (a >= 1) return sec.toFixed(a >= 100 ? 1 : 3) + " s";
	if (a >= 1e-3) return (sec * 1e3).toFixed(a >= 0.1 ? 1 : 3) + " ms";
	if (a >= 1e-6) return (sec * 1e6).toFixed(a >= 1e-4 ? 1 : 3) + " µs";
	return (sec * 1e9).toFixed(0) + " ns";
}
function nice(step) {
	const p = Math.pow(10, Math.floor(Math.log10(step))), m = step / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
function firstVisible(lv, t) {
	/* Items are sorted by start; find the first that may end after t. */
	let lo = 0, hi = lv.n;
	while (lo < hi) { const m = (lo + hi) >> 1; if (lv.s[m] < t) lo = m + 1; else hi = m; }
	let i = lo;
	/* Step back over items that started earlier and still run at t. */
	for (let k = 0; k < 64 && i > 0 && (lv.e[i - 1] > t || k < 2); k++) i--;
	return i;
}
function levelFor(row, pxTicks) {
	let L = 0;
	for (let k = 1; k < row.levels.length; k++)
		if (row.levels[k].w <= pxTicks) L = k;
	return row.levels[L];
}

let W = 0, H = 0, dpr = 1;
const drawn = { labels: new Set(), owners: new Set(), level: 0 };
function draw() {
	const t = performance.now();
	dpr = window.devicePixelRatio || 1;
	W = tl.clientWidth || 1200; H = layout.height;
	if (tl.width !== Math.round(W * dpr) || tl.height !== Math.round(H * dpr)) {
		tl.width = Math.round(W * dpr); tl.height = Math.round(H * dpr);
		tl.style.height = H + "px";
	}
	const g = tl.getContext("2d");
	g.setTransform(dpr, 0, 0, dpr, 0, 0);
	g.clearRect(0, 0, W, H);
	g.font = "12px system-ui, sans-serif";
	g.textBaseline = "middle";
	const DW = W - GUT - 8, scale = DW / (v1 - v0), pxTicks = (v1 - v0) / DW;
	const X = (tt) => GUT + (tt - v0) * scale;
	/* axis and grid */
	const step = nice((v1 - v0) * tick / 9), st = step / tick;
	g.fillStyle = "#6a7385"; g.strokeStyle = "#edf0f4"; g.lineWidth = 1;
	g.textAlign = "center";
	for (let k = Math.ceil(v0 / st); k * st <= v1; k++) {
		const x = Math.round(X(k * st)) + 0.5;
		g.beginPath(); g.moveTo(x, AXIS - 4); g.lineTo(x, H); g.stroke();
		g.fillText(fmt(k * step), x, 11);
	}
	g.textAlign = "left";
	drawn.labels.clear(); drawn.owners.clear(); drawn.level = 0;
	for (const ln of layout) {
		if (ln.header) {
			g.fillStyle = "#1d2330"; g.font = "600 12px system-ui, sans-serif";
			g.fillText(ln.header, 8, ln.y + 6);
			g.font = "12px system-ui, sans-serif";
			continue;
		}
		g.fillStyle = ln.kind === "run" ? "#f0f2f6" : "#f6f7fa";
		g.fillRect(GUT, ln.y, DW, ln.h);
		g.fillStyle = ln.kind === "task" ? "#6a7385" : "#1d2330";
		g.font = (ln.kind === "run" ? "600 " : "") + "12px system-ui, sans-serif";
		g.fillText(ln.label, ln.kind === "run" ? 8 : 20, ln.y + ln.h / 2);
		g.font = "12px system-ui, sans-serif";
		drawn.labels.add(ln.kind === "wait" ? ln.label + " waiting" : ln.label === "tasks" ? "" : ln.label);
		const lv = levelFor(ln.row, pxTicks);
		drawn.level = Math.max(drawn.level, lv.w);
		const wait = ln.kind === "wait";
		let px0 = 0, px1 = -1, pc = null, pa = 1;
		const flush = () => {
			if (pc) { g.globalAlpha = pa; g.fillStyle = pc; g.fillRect(px0, ln.y, Math.max(px1 - px0, 1), ln.h); }
		};
		const texts = [];
		for (let i = firstVisible(lv, v0); i < lv.n && lv.s[i] < v1; i++) {
			if (lv.e[i] <= v0) continue;
			let x0 = X(lv.s[i]), x1 = X(lv.e[i]);
			if (x0 < GUT) x0 = GUT;
			if (x1 > GUT + DW) x1 = GUT + DW;
			const ow = lv.o[i], c = col(ow, wait);
			const a = lv.c ? 0.35 + 0.65 * Math.min(1, lv.c[i] / 248) : 1;
			drawn.owners.add(ow);
			if (c === pc && a === pa && x0 <= px1 + 0.5) { if (x1 > px1) px1 = x1; }
			else { flush(); pc = c; pa = a; px0 = x0; px1 = x1; }
			if (x1 - x0 > 46 && !wait) texts.push(i, x0, x1);
		}
		flush();
		g.globalAlpha = 1;
		for (let k = 0; k < texts.length && k < 600; k += 3) {
			const i = texts[k], x0 = texts[k + 1], x1 = texts[k + 2];
			const o = owners[lv.o[i]];
			const dark = o.pid < 0 && o.vm >= 0 && o.vm !== 0x7fff;
			g.save(); g.beginPath(); g.rect(x0 + 3, ln.y, x1 - x0 - 6, ln.h); g.clip();
			g.fillStyle = dark ? "#fff" : "#1d2330";
			g.fillText(o.label, x0 + 5, ln.y + ln.h / 2 + 0.5);
			g.restore();
		}
	}
	if (sel) {
		const a = Math.min(sel[0], sel[1]), b = Math.max(sel[0], sel[1]);
		g.fillStyle = "rgba(47,111,222,.14)"; g.fillRect(a, AXIS, b - a, H - AXIS);
		g.strokeStyle = "#2f6fde"; g.strokeRect(a + 0.5, AXIS + 0.5, b - a, H - AXIS - 1);
	}
	drawOverview();
	$("range").textContent = fmt(v0 * tick) + " – " + fmt(v1 * tick) + "  (" + fmt((v1 - v0) * tick) + ")";
	const vms = new Set();
	drawn.owners.forEach((ow) => { const o = owners[ow]; if (o.pid < 0 && o.vm >= 0 && o.vm !== 0x7fff) vms.add(o.vm); });
	const labels = [...drawn.labels].filter((x) => x);
	[...vms].sort((a, b) => a - b).forEach((v) => labels.push(vmName(v)));
	document.body.dataset.lanes = meta.npcpus;
	document.body.dataset.labels = labels.join(",");
	document.body.dataset.owners = [...drawn.owners].map((ow) => owners[ow].label).sort().join(",");
	const ms = performance.now() - t;
	document.body.dataset.drawMs = ms.toFixed(1);
	dirty = false;
	return ms;
}
function vmName(v) { return v === 0 ? "Domain-0" : "d" + v; }
function drawOverview() {
	const w = ov.clientWidth || 1200, h = 34;
	if (ov.width !== Math.round(w * dpr)) { ov.width = Math.round(w * dpr); ov.height = Math.round(h * dpr); }
	const g = ov.getContext("2d");
	g.setTransform(dpr, 0, 0, dpr, 0, 0);
	g.fillStyle = "#eef0f4"; g.fillRect(0, 0, w, h);
	const runs = layout.filter((l) => l.kind === "run");
	const rh = Math.max(2, Math.floor((h - 4) / Math.max(1, runs.length)));
	const sc = (w - GUT - 8) / SPAN;
	runs.forEach((ln, k) => {
		const lv = ln.row.levels[ln.row.levels.length - 1];
		for (let i = 0; i < lv.n; i++) {
			g.fillStyle = col(lv.o[i], false);
			g.fillRect(GUT + lv.s[i] * sc, 2 + k * rh, Math.max(1, (lv.e[i] - lv.s[i]) * sc), rh - 1);
		}
	});
	g.fillStyle = "#6a7385"; g.font = "11px system-ui, sans-serif"; g.textBaseline = "middle";
	g.fillText("overview", 8, h / 2);
	const a = GUT + v0 * sc, b = GUT + v1 * sc;
	g.fillStyle = "rgba(255,255,255,.6)";
	g.fillRect(GUT, 0, a - GUT, h); g.fillRect(b, 0, w - 8 - b, h);
	g.strokeStyle = "#2f6fde"; g.lineWidth = 2; g.strokeRect(a, 1, Math.max(2, b - a), h - 2);
}
function request() { if (!dirty) { dirty = true; requestAnimationFrame(draw); } }

/* ---- interaction ------------------------------------------------------- */
function zoomAt(f, frac) {
	const w = v1 - v0, nw = Math.max(4, Math.min(SPAN, w * f));
	v0 = v0 + (w - nw) * frac; v1 = v0 + nw; clampView(); request();
}
function pan(frac) { const w = v1 - v0; v0 += w * frac; v1 = v0 + w; clampView(); request(); }
const fracOf = (x) => Math.min(1, Math.max(0, (x - GUT) / (W - GUT - 8)));
tl.addEventListener("wheel", (ev) => {
	ev.preventDefault();
	const r = tl.getBoundingClientRect();
	if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) pan((ev.deltaX || ev.deltaY) * 0.002);
	else zoomAt(Math.exp(ev.deltaY * 0.002), fracOf(ev.clientX - r.left));
}, { passive: false });
tl.addEventListener("mousedown", (ev) => {
	const r = tl.getBoundingClientRect(), x = ev.clientX - r.left;
	if (x < GUT) return;
	sel = [x, x];
	const move = (e2) => { sel[1] = Math.max(GUT, Math.min(W - 8, e2.clientX - r.left)); request(); };
	const up = () => {
		window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up);
		const a = Math.min(sel[0], sel[1]), b = Math.max(sel[0], sel[1]);
		sel = null;
		if (b - a > 4) {
			const w = v1 - v0, na = v0 + fracOf(a) * w, nb = v0 + fracOf(b) * w;
			v0 = na; v1 = nb; clampView();
		}
		request();
	};
	window.addEventListener("mousemove", move); window.addEventListener("mouseup", up);
});
tl.addEventListener("dblclick", () => { v0 = 0; v1 = SPAN; request(); });
ov.addEventListener("mousedown", (ev) => {
	const r = ov.getBoundingClientRect();
	const to = (cx) => { const w = v1 - v0, t = (cx - r.left - GUT) / (r.width - GUT - 8) * SPAN; v0 = t - w / 2; v1 = v0 + w; clampView(); request(); };
	to(ev.clientX);
	const move = (e2) => to(e2.clientX);
	const up = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); };
	window.addEventListener("mousemove", move); window.addEventListener("mouseup", up);
});
$("zin").onclick = () => zoomAt(0.5, 0.5);
$("zout").onclick = () => zoomAt(2, 0.5);
$("pl").onclick = () => pan(-0.25);
$("pr").onclick = () => pan(0.25);
$("zreset").onclick = () => { v0 = 0; v1 = SPAN; request(); };
window.addEventListener("keydown", (ev) => {
	if (ev.key === "+" || ev.key === "=") zoomAt(0.5, 0.5);
	else if (ev.key === "-") zoomAt(2, 0.5);
	else if (ev.key === "0") { v0 = 0; v1 = SPAN; request(); }
	else if (ev.key === "ArrowLeft") pan(-0.2);
	else if (ev.key === "ArrowRight") pan(0.2);
});
window.addEventListener("resize", request);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
tl.addEventListener("mousemove", (ev) => {
	const r = tl.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
	const ln = layout.find((l) => l.row && y >= l.y && y < l.y + l.h);
	if (!ln || x < GUT || sel) { tip.style.display = "none"; return; }
	const DW = W - GUT - 8, pxTicks = (v1 - v0) / DW, t = v0 + (x - GUT) * pxTicks;
	const lv = levelFor(ln.row, pxTicks);
	let hit = -1;
	for (let i = firstVisible(lv, t - pxTicks); i < lv.n && lv.s[i] <= t + pxTicks; i++)
		if (lv.e[i] >= t - pxTicks) { hit = i; if (lv.s[i] <= t && lv.e[i] > t) break; }
	if (hit < 0) { tip.style.display = "none"; return; }
	const o = owners[lv.o[hit]];
	let h = "<b>" + esc(o.label) + "</b><br>" + esc(ln.kind === "wait" ? "runnable, not running" : (o.vm >= 0 && o.vm !== 0x7fff && o.pid < 0 ? "VM " + o.vm + " (" + vmName(o.vm) + ")" : o.level)) +
		"<br><span class=m>on</span> " + esc(ln.label === "tasks" ? layout[layout.indexOf(ln) - 1].label + " tasks" : ln.label) +
		"<br><span class=m>from</span> " + fmt(lv.s[hit] * tick) + " <span class=m>for</span> " + fmt((lv.e[hit] - lv.s[hit]) * tick);
	if (lv.w) h += "<br><span class=m>aggregated: the most time in each " + fmt(lv.w * tick) + " bucket; zoom in for single spans</span>";
	else h += "<br><span class=m>level</span> " + esc(o.level) + (o.pid >= 0 ? " <span class=m>pid</span> " + o.pid : "");
	tip.innerHTML = h; tip.style.display = "block";
	const tx = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
	tip.style.left = tx + "px"; tip.style.top = (ev.clientY + 16) + "px";
});
tl.addEventListener("mouseleave", () => { tip.style.display = "none"; });

/* ---- panels ------------------------------------------------------------ */
(function summary() {
	const vmsN = meta.vms.filter((v) => v.vm >= 0).length;
	$("summary").innerHTML = "<b>" + fmt(meta.span * tick) + "</b> traced · <b>" + meta.npcpus + "</b> physical CPUs · <b>" +
		vmsN + "</b> VMs · <b>" + meta.nevents.toLocaleString("en") + "</b> events" +
		(meta.nlost ? " · <b style='color:#c0392b'>" + meta.nlost + " lost-record marks</b>" : "") +
		(meta.clock ? " · clock: " + esc(meta.clock) : "") + " · counter " + (freq / 1e6) + " MHz";
})();
(function legend() {
	const items = [];
	const sw = (c) => "<i class=sw style='background:" + c + "'></i>";
	const seen = new Map();
	owners.forEach((o, i) => {
		if (o.pid < 0 && o.vm >= 0 && o.vm !== 0x7fff) {
			if (!seen.has(o.vm)) seen.set(o.vm, []);
			seen.get(o.vm).push(i);
		}
	});
	[...seen.keys()].sort((a, b) => a - b).forEach((vm) => {
		const list = seen.get(vm).filter((i) => owners[i].vcpu >= 0 || seen.get(vm).length === 1)
			.sort((a, b) => owners[a].vcpu - owners[b].vcpu).slice(0, 8);
		items.push("<span class=lg>" + list.map((i) => sw(col(i, false))).join("") + " " + esc(vmName(vm)) +
			(list.length > 1 ? " <span style='color:#6a7385'>(v0…v" + (list.length - 1) + ")</span>" : "") + "</span>");
	});
	items.push("<span class=lg>" + sw("#d6dae1") + " Xen idle</span>");
	if (owners.some((o) => o.vm < 0 && o.pid < 0 && o.level !== "idle"))
		items.push("<span class=lg>" + sw("#4b5263") + " hypervisor</span>");
	if (owners.some((o) => o.pid >= 0))
		items.push("<span class=lg>" + sw("hsl(212,55%,62%)") + sw("hsl(26,55%,62%)") + " tasks (a shade per task, in its VM's hue) " + sw("#e3e6eb") + " kernel idle</span>");
	items.push("<span class=lg>faded: a pixel only partly covered</span>");
	$("legend").innerHTML = items.join("");
})();
(function waiting() {
	const vms = meta.vms.filter((v) => v.run_s > 0 || v.wait_s > 0 || v.task_wait_s > 0);
	if (!vms.length) { $("waitgrid").innerHTML = "<div class=note>No runnable-but-not-running spans in this trace.</div>"; return; }
	let h = "<div class=grid><span class=h>VM</span><span class=h>running vs. waiting for a CPU</span><span class='h num'>waiting</span><span class='h num'>share</span><span class='h num'>running</span>";
	vms.forEach((v) => {
		const tot = v.run_s + v.wait_s, share = tot ? v.wait_s / tot : 0;
		const hue = v.vm >= 0 ? "hsl(" + vmHue(v.vm) + ",68%,45%)" : "#4b5263";
		h += "<span><i class=sw style='background:" + hue + "'></i> " + esc(v.name) + (v.nvcpus ? " <span class=h>" + v.nvcpus + " vCPU" + (v.nvcpus > 1 ? "s" : "") + "</span>" : "") + "</span>" +
			"<div class=bar title='running " + fmt(v.run_s) + ", waiting " + fmt(v.wait_s) + "'><i style='width:" + (tot ? 100 * v.run_s / tot : 0) + "%;background:" + hue + "'></i><i class=wait style='width:" + (100 * share) + "%'></i></div>" +
			"<span class=num>" + fmt(v.wait_s) + "</span><span class=num><b>" + (100 * share).toFixed(1) + "%</b></span><span class=num>" + fmt(v.run_s) + "</span>";
		if (v.task_wait_s > 0)
			h += "<span></span><span class=note>tasks inside waited " + fmt(v.task_wait_s) + " in all</span><span></span><span></span><span></span>";
	});
	$("waitgrid").innerHTML = h + "</div><div class=note>share = time its vCPUs were runnable but not running / (that + time they ran). Total over the trace, all vCPUs.</div>";
})();
(function profile() {
	const p = meta.profile;
	if (!p) return;
	const el = $("profile");
	el.hidden = false;
	let h = "<h2>Profile</h2><div class=note style='margin:-6px 0 10px'>" + p.samples.toLocaleString("en") + " samples on " + p.cpus + " CPUs over " + fmt(p.seconds) +
		" (" + p.rate.toFixed(0) + " rounds/s) · target halted " + fmt(p.halted_seconds) + " (" + (p.seconds ? (100 * p.halted_seconds / p.seconds).toFixed(1) : "0") + "% of the run)</div><div class=tables>";
	const titles = { el: "by exception level", vm: "by VM", vcpu: "by vCPU", pid: "by process", func: "by function" };
	p.tables.forEach((t) => {
		const tot = t.rows.reduce((a, r) => a + r[1], 0) || 1;
		h += "<div><h2>" + esc(titles[t.by] || "by " + t.by) + "</h2><table><tr><th>" + esc(t.by) + "</th><th></th><th class=num>samples</th><th class=num>share</th></tr>";
		t.rows.slice(0, 25).forEach((r) => {
			h += "<tr><td class=k title='" + esc(r[0]) + "'>" + esc(r[0]) + "</td><td class=b><div class=bar><i style='width:" + (100 * r[1] / tot) + "%;background:#2f6fde'></i></div></td><td class=num>" +
				r[1].toLocaleString("en") + "</td><td class=num>" + (100 * r[1] / tot).toFixed(1) + "%</td></tr>";
		});
		if (t.rows.length > 25) h += "<tr><td colspan=4 class=note>… " + (t.rows.length - 25) + " more</td></tr>";
		h += "</table></div>";
	});
	el.innerHTML = h + "</div>";
})();

draw();
const T3 = performance.now();
const ds = document.body.dataset;
ds.decodeMs = (T1 - T0).toFixed(0); ds.pyramidMs = (T2 - T1).toFixed(0);
ds.firstDrawMs = (T3 - T2).toFixed(0); ds.loadMs = T3.toFixed(0);
ds.levels = rows.map((r) => r.levels.length).join(",");
if (location.hash === "#bench") {
	/* Zoom in 24 steps of 1.6x about the middle, then out; time each draw. */
	const ts = [];
	for (let k = 0; k < 24; k++) { zoomAt(1 / 1.6, 0.37); ts.push(draw()); }
	for (let k = 0; k < 24; k++) { zoomAt(1.6, 0.37); ts.push(draw()); }
	ts.sort((a, b) => a - b);
	ds.redrawMedianMs = ts[ts.length >> 1].toFixed(1);
	ds.redrawMaxMs = ts[ts.length - 1].toFixed(1);
}
})();
