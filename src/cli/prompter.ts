/** Asks for passphrases and passwords on the controlling terminal, never echoing secrets; no TTY, no prompts. */
import * as readline from 'readline';
import type { CredentialPrompter } from '../core/ssh/types';

export function terminalPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): CredentialPrompter | undefined {
  if (!input.isTTY) return undefined; // cron/CI: fail auth cleanly instead of hanging on a prompt
  return {
    prompt: ({ message, echo }) =>
      new Promise((resolve) => {
        const rl = readline.createInterface({ input, output, terminal: true });
        const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
        let asked = false;
        // Show the question, then hide what is typed when the answer is secret.
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
          if (!asked || echo) write(s);
        };
        rl.question(`${message}: `, (answer) => {
          rl.close();
          if (!echo) output.write('\n');
          resolve(answer);
        });
        asked = true;
        rl.on('SIGINT', () => {
          rl.close();
          resolve(undefined);
        });
      }),
  };
}
