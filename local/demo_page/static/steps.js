// The list of steps the page shows: each with what it did, how long it took and how it ended.

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Steps {
  constructor(list, placeholder) {
    this.list = list;
    this.placeholder = placeholder;
  }

  clear() {
    this.list.replaceChildren();
    this.placeholder.hidden = false;
  }

  /** Run `work` as a step titled `title`; its detail line may be updated while it runs. */
  async run(title, detail, work) {
    this.placeholder.hidden = true;
    const item = element("li", "step running");
    item.dataset.step = title;
    const time = element("span", "time", "…");
    const line = element("span", "detail", detail);
    item.append(element("span", "title", title), time, line);
    this.list.append(item);
    const started = performance.now();
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    try {
      const result = await work((more) => {
        line.textContent = `${detail} · ${more}`;
      });
      item.className = "step ok";
      time.textContent = elapsed();
      return result;
    } catch (error) {
      item.className = "step error";
      time.textContent = elapsed();
      const code = error.code ? `${error.code}: ` : "";
      item.append(element("span", "problem", `${code}${error.message}`));
      throw error;
    }
  }

  skipped(title, why) {
    const item = element("li", "step skipped");
    item.dataset.step = title;
    item.append(element("span", "title", title), element("span", "time", "skipped"));
    item.append(element("span", "detail", why));
    this.list.append(item);
  }
}
