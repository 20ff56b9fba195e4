// Palaver in the terminal, through the same core as Slack and Discord (platform id "console").
// One conversation per database, resumed at each start. Lines are answered one at a time; with
// stdin piped, each line is a message and the process ends after the last reply.
import readline from "node:readline";
import type { Adapter, BotApi, InboundMessage, ReplySurface } from "../../src/types.ts";
import { ConsoleSurface, type Output } from "./surface.ts";

export const CONSOLE_CONVERSATION = "console:local";
const CONSOLE_WORKSPACE = "console";

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: Output;
  /** Interactive: show prompts and labels. Piped: the replies alone. */
  interactive: boolean;
  userName: string;
}

export class ConsoleAdapter implements Adapter {
  readonly platform = "console" as const;
  private bot?: BotApi;
  private loop?: Promise<void>;
  private rl?: readline.Interface;
  private seq = 0;

  constructor(private readonly options: ConsoleOptions) {}

  async start(bot: BotApi): Promise<void> {
    this.bot = bot;
    this.rl = readline.createInterface({ input: this.options.input, terminal: false });
    this.loop = this.run(this.rl);
    return Promise.resolve();
  }

  /** Resolves when input ended (or /exit) and every reply is printed. */
  finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.finished();
  }

  reopen(address: string): ReplySurface {
    return this.surface(address);
  }

  /** The terminal is there while the adapter runs. */
  connected(): boolean {
    return this.bot !== undefined;
  }

  private surface(address: string): ConsoleSurface {
    return new ConsoleSurface(address, this.options.output, this.options.interactive ? "palaver> " : "");
  }

  private prompt(): void {
    if (this.options.interactive) this.options.output.write("you> ");
  }

  private async run(rl: readline.Interface): Promise<void> {
    const bot = this.bot!;
    this.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === "/exit" || text === "/quit") break;
      if (text === "/palaver" || text.startsWith("/palaver ")) {
        const answer = await bot.command({
          platform: "console",
          workspaceId: CONSOLE_WORKSPACE,
          channelId: CONSOLE_CONVERSATION,
          conversationId: CONSOLE_CONVERSATION,
          isDM: true,
          // The person at the terminal runs Palaver: they are its admin.
          user: { id: `console:${this.options.userName}`, displayName: this.options.userName, isPlatformAdmin: true },
          text: text.slice("/palaver".length).trim(),
        });
        this.options.output.write(`${answer}\n`);
      } else if (text !== "") {
        const now = Date.now();
        const message: InboundMessage = {
          id: `console:local:${now}-${this.seq++}`,
          platform: "console",
          conversationId: CONSOLE_CONVERSATION,
          workspaceId: CONSOLE_WORKSPACE,
          channelId: CONSOLE_CONVERSATION,
          isDM: true,
          addressedBy: "console",
          author: { id: `console:${this.options.userName}`, displayName: this.options.userName, isBot: false, isMe: false },
          text: line,
          createdAt: now,
        };
        await bot.handle(message, this.surface(`console:${message.id}`));
      }
      this.prompt();
    }
    rl.close();
  }
}
