import { inProcessTable } from "./inProcess.js"

console.log(await inProcessTable(Number(process.env.R ?? 3)))
