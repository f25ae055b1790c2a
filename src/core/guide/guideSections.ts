/**
 * The guide itself (runbooks/guide.zh.md, imported from the PDF text) split into numbered
 * sections, so "open section 7.4.1" can show the operator the guide's own words.
 */
export interface GuideSection {
  number: string;
  title: string;
  /** 1-based line of the heading in the guide file. */
  line: number;
  /** Markdown of the section including its subsections. */
  markdown: string;
}

const HEADING = /^(#{1,6}) (\d+(?:\.\d+)*) (.*)$/;

export class GuideSections {
  private readonly byNumber = new Map<string, GuideSection>();

  constructor(markdown: string) {
    const lines = markdown.split('\n');
    const starts: Array<{ number: string; title: string; index: number }> = [];
    let inFence = false;
    lines.forEach((line, index) => {
      if (line.startsWith('```')) inFence = !inFence;
      const m = !inFence && HEADING.exec(line);
      if (m) starts.push({ number: m[2], title: m[3].trim(), index });
    });
    starts.forEach((start, i) => {
      // A section runs until the next heading that is not one of its descendants.
      let end = lines.length;
      for (const next of starts.slice(i + 1)) {
        if (!next.number.startsWith(`${start.number}.`)) {
          end = next.index;
          break;
        }
      }
      this.byNumber.set(start.number, {
        number: start.number,
        title: start.title,
        line: start.index + 1,
        markdown: lines.slice(start.index, end).join('\n').trim() + '\n',
      });
    });
  }

  get size(): number {
    return this.byNumber.size;
  }

  /** The section, or the closest enclosing one the guide has (2.3.2.9 → 2.3.2). */
  find(number: string): GuideSection | undefined {
    for (let parts = number.split('.'); parts.length; parts.pop()) {
      const found = this.byNumber.get(parts.join('.'));
      if (found) return found;
    }
    return undefined;
  }

  all(): GuideSection[] {
    return [...this.byNumber.values()];
  }
}
