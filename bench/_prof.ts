import { ALICE, BOT, SLACK_LIMITS } from "../test/fakes/slack/index.ts";
import { replyText, sleep } from "./lib.ts";
import { startSlackHarness } from "../test/helpers/slack.ts";
import { Session } from "node:inspector/promises";
import fs from "node:fs";
async function go(N: number, prof: boolean) {
  const h = await startSlackHarness({ slack: { rateLimits: SLACK_LIMITS } });
  const texts = Array.from({ length: N }, (_, i) => replyText(i, 1200));
  const chans = Array.from({ length: N }, (_, i) => { const id = `C0B${i}`; h.slack.state.addChannel({ id, name: `b${i}`, type: "channel" }); return id; });
  h.claude.setResponder(() => ({ text: texts[0]!, chunkSize: 4, chunkDelayMs: 20, firstTokenDelayMs: 5000 }));
  const s = new Session(); s.connect();
  if (prof) { await s.post("Profiler.enable"); await s.post("Profiler.start"); }
  const t0 = Date.now();
  await Promise.all(texts.map(async (_, i) => h.slack.userSays({ user: ALICE.id, channel: chans[i]!, text: `<@${BOT.userId}> question ${i}` })));
  console.log("all acked after", Date.now() - t0);
  if (prof) { const { profile } = await s.post("Profiler.stop"); fs.writeFileSync("/tmp/burst.cpuprofile", JSON.stringify(profile)); }
  await sleep(9000);
  await h.close();
}
await go(2, false);
await go(40, true);
