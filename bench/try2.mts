import { benchHistory } from "./core/history.ts";
benchHistory();
