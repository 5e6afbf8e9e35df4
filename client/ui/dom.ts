/**
 * A few DOM helpers shared by the classroom panels: building elements, unique ids, and an
 * alert line that announces a repeated message again.
 */

let nextId = 0;

/** An id unique in the page, `rg-<prefix>-<n>`. */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `rg-${prefix}-${nextId}`;
}

type Attributes = Record<string, string | number | boolean | null | undefined>;

/**
 * `<tag attrs…>children</tag>`. Attribute values: a string or number is set, `true` sets it
 * empty, false/null/undefined leave it out. Children: nodes, or strings as text (never HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/**
 * A `role="alert"` line: `show(text)` announces it (again, when it is the text already shown),
 * `clear()` empties it.
 */
export class AlertLine {
  readonly element: HTMLParagraphElement;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(className = 'rg-alert') {
    this.element = h('p', { class: className, role: 'alert' });
  }

  show(text: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.element.textContent === text) {
      // Screen readers announce a change: empty the line, then put the text back.
      this.element.textContent = '';
      this.timer = setTimeout(() => {
        this.timer = null;
        this.element.textContent = text;
      }, 60);
      return;
    }
    this.element.textContent = text;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.element.textContent = '';
  }
}
