import { benchOverhead } from "./core/overhead.ts";
await benchOverhead();
