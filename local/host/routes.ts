/**
 * ASP.NET-style route templates as HTTP triggers declare them: `items/{id}`, `{id:int}`, optional `{id?}`, catch-all
 * `{*rest}`. Matching is case-insensitive; constraints other than int/bool/guid are accepted without checking.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

const constraintPatterns: Record<string, string> = {
  int: '-?\\d+',
  long: '-?\\d+',
  bool: 'true|false',
  guid: '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}',
  alpha: '[a-zA-Z]+',
};

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileRoute(template: string): CompiledRoute {
  const clean = template.replace(/^\/+|\/+$/g, '');
  const names: string[] = [];
  let pattern = '';
  const segments = clean === '' ? [] : clean.split('/');
  segments.forEach((segment, index) => {
    const param = /^\{(\*)?([A-Za-z_][\w]*)(?::([^}?=]+))?(\?)?(?:=[^}]*)?\}$/.exec(segment);
    const sep = index === 0 ? '' : '/';
    if (!param) {
      pattern += sep + escapeRegex(segment);
      return;
    }
    const [, catchAll, name, constraint, optional] = param;
    names.push(name!);
    if (catchAll) {
      pattern += `(?:${sep}(.*))?`;
      return;
    }
    const body = (constraint && constraintPatterns[constraint.split(':')[0]!.toLowerCase()]) ?? '[^/]+';
    pattern += optional ? `(?:${sep}(${body}))?` : `${sep}(${body})`;
  });
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  return {
    template: clean,
    match(path: string) {
      const m = regex.exec(path.replace(/^\/+/, ''));
      if (!m) return undefined;
      const params: Record<string, string> = {};
      names.forEach((n, i) => {
        const v = m[i + 1];
        if (v !== undefined) params[n] = decodeURIComponent(v);
      });
      return params;
    },
  };
}
