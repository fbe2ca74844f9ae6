import { benchMeterId } from "./dist/engine/demo/index.js";
import http from "node:http";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const token = process.argv[2];
const get = (path) => new Promise((resolve, reject) => { http.get({ host: "127.0.0.1", port: 18080, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); }).on("error", reject); });
const t = [];
for (let i = 0; i < 1500; i++) { const id = benchMeterId(Math.floor(Math.random() * 1e6), 1e6); const t0 = performance.now(); await get(`/v1/meters/${id}`); if (i >= 100) t.push(performance.now() - t0); }
t.sort((a, b) => a - b); console.log("serial GET p50", t[700].toFixed(1), "p99", t[1386].toFixed(1));
