import { parseMarkdown } from "./src/reply/markdown/parse.ts";
import { printMarkdown } from "./src/reply/markdown/print.ts";
import { DISCORD_DIALECT } from "./adapters/discord/markdown.ts";
import { defuseMarkdown } from "./src/reply/markdown/mentions.ts";
const blocks = ["## Results for **C#** users\n\nHere is *why* it works, with `inline code`, a [link](https://x.y) and ~~old~~ text.", "- first\n- second", "```python\ndef x():\n  pass\n```"];
let md = ""; for (let i = 0; md.length < 4000; i++) md += "\n\n" + blocks[i % 3];
for (let k = 0; k < 3; k++) {
let t = performance.now(); const root = parseMarkdown(md); console.log("parse", performance.now() - t);
t = performance.now(); printMarkdown(root, DISCORD_DIALECT); console.log("print", performance.now() - t);
t = performance.now(); defuseMarkdown(md); console.log("defuse", performance.now() - t);
}
