/*
 * apidocs.js renders certprint's OpenAPI document (/openapi.json) as a
 * documentation page.
 *
 * Why this file exists: huma's built-in docs page loads its renderer from a
 * CDN, and certprint must work on closed networks. So this script has no
 * dependencies, needs no build step, and fetches nothing but /openapi.json
 * from its own origin.
 *
 * Security stance: the OpenAPI document is treated as untrusted input (it is
 * generated from Go code, but descriptions and examples are free text). Every
 * string taken from it reaches the DOM through textContent, createTextNode or
 * setAttribute on attributes that cannot run code (id, href and title, where
 * ids and hrefs are built from sanitised values). No HTML string is ever
 * parsed. Class names are only ever chosen from fixed lists. That keeps the
 * page safe if a description contains markup, and lets it run under
 * Content-Security-Policy: default-src 'self'.
 */
(function () {
  'use strict';

  const SPEC_URL = '/openapi.json';

  // Deeper than this, nested schemas are summarised instead of expanded.
  // Depth counts levels of object fields (a field whose value has fields of
  // its own is one level down); array items, map values and oneOf/allOf
  // variants stay at the level of the field holding them, since they add
  // no field level. Real payloads rarely nest further, and without a bound
  // a large generated document could blow up the page.
  // (Termination never depends on this bound: JSON is finite, so endless
  // nesting can only come through $ref, which the cycle check stops.)
  const MAX_DEPTH = 6;

  // Display order of operations within one path: reads first, then writes,
  // which is how people usually scan an API.
  const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

  const ROLE_EXTENSION = 'x-certprint-role';
  const UNTAGGED = 'Other operations';

  // The parsed document; set once in start() and read by the $ref resolver.
  let spec = null;

  // ---------------------------------------------------------------- helpers

  function isObj(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  // Lookups keyed by document data go through this, so that keys such as
  // "__proto__" or "constructor" never reach Object.prototype.
  function own(obj, key) {
    return isObj(obj) && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  }

  function str(v) {
    return typeof v === 'string' ? v : '';
  }

  // Creates an element; text, if given, is set as text, never parsed.
  function h(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(parent, ...children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return parent;
  }

  // Schema values (enum members, defaults, examples) can be any JSON value.
  // Strings are shown bare because that is how people read enum members;
  // everything else as JSON. Long values are cut so one example cannot
  // swamp a table.
  function formatValue(v) {
    let out;
    if (typeof v === 'string') out = v === '' ? '""' : v;
    else {
      try { out = JSON.stringify(v); } catch (e) { out = String(v); }
      if (out === undefined) out = String(v);
    }
    return out.length > 200 ? out.slice(0, 199) + '…' : out;
  }

  // Anchor ids must be predictable (people share links to operations) and
  // harmless, hence the restricted alphabet. Distinct operation ids may
  // sanitise to the same string, and an operation listed under two tags
  // appears twice, so ids are made unique with a counter.
  const usedIds = new Map();
  function sanitise(s) {
    return String(s).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
  }
  function uniqueId(prefix, raw) {
    const base = prefix + (sanitise(raw) || 'x');
    const n = (usedIds.get(base) || 0) + 1;
    usedIds.set(base, n);
    return n === 1 ? base : base + '-' + n;
  }

  // OpenAPI descriptions are CommonMark. A Markdown renderer would mean
  // either a dependency or building HTML from document text, so the page
  // shows descriptions as plain text instead: blank lines make paragraphs,
  // line breaks are kept by CSS (white-space: pre-line), and `backticks`
  // become <code>, which covers most of what API descriptions use.
  function renderText(text, className) {
    const box = h('div', className ? 'text ' + className : 'text');
    for (const para of String(text).split(/\n[ \t]*\n/)) {
      if (!para.trim()) continue;
      const p = h('p');
      const parts = para.split('`');
      // An odd number of parts means balanced backticks; otherwise keep them
      // literal rather than guess which one was meant.
      if (parts.length % 2 === 1) {
        parts.forEach((part, i) => {
          if (!part) return;
          add(p, i % 2 === 1 ? h('code', null, part) : part);
        });
      } else {
        p.textContent = para;
      }
      box.appendChild(p);
    }
    return box;
  }

  // Wide tables scroll inside their own box instead of widening the page,
  // which matters on a narrow window.
  function tableWrap(table) {
    return add(h('div', 'table-wrap'), table);
  }

  function table(headings) {
    const t = h('table');
    const tr = h('tr');
    for (const text of headings) {
      const th = h('th', null, text);
      th.scope = 'col';
      tr.appendChild(th);
    }
    add(t, add(h('thead'), tr));
    t.appendChild(h('tbody'));
    return t;
  }

  // ------------------------------------------------------------ $ref logic

  // Resolves a local JSON pointer ("#/components/schemas/Foo"). External
  // references cannot be followed offline and are reported as unresolved.
  function resolvePointer(ref) {
    if (ref === '#') return spec;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
    let node = spec;
    for (const raw of ref.slice(2).split('/')) {
      let key;
      try { key = decodeURIComponent(raw); } catch (e) { return undefined; }
      key = key.replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(node)) {
        if (!/^\d+$/.test(key) || Number(key) >= node.length) return undefined;
        node = node[Number(key)];
      } else if (isObj(node) && Object.prototype.hasOwnProperty.call(node, key)) {
        node = node[key];
      } else {
        return undefined;
      }
    }
    return node;
  }

  function refName(ref) {
    const last = ref.slice(ref.lastIndexOf('/') + 1);
    try {
      return decodeURIComponent(last).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch (e) {
      return last;
    }
  }

  // Copies own keys except $ref. Plain assignment of a "__proto__" key would
  // change the copy's prototype, so that key is skipped.
  function siblingsOf(obj) {
    const out = {};
    for (const k of Object.keys(obj)) {
      if (k !== '$ref' && k !== '__proto__') out[k] = obj[k];
    }
    return out;
  }

  // Follows a chain of $refs. Returns the target value, the first ref (the
  // name people know the schema by, and the key for cycle detection) and an
  // error message when the chain is broken or loops on itself.
  function deref(obj) {
    let value = obj;
    let first = null;
    const seen = new Set();
    while (isObj(value) && typeof value.$ref === 'string') {
      const ref = value.$ref;
      if (first === null) first = ref;
      if (seen.has(ref)) {
        return { value: {}, ref: first, name: refName(first), error: 'circular reference ' + ref };
      }
      seen.add(ref);
      const target = resolvePointer(ref);
      if (target === undefined) {
        return { value: {}, ref: first, name: refName(first), error: 'unresolved reference ' + ref };
      }
      // OpenAPI 3.1 allows keywords next to $ref (usually a description
      // specific to this use); they take precedence over the target's.
      const extra = siblingsOf(value);
      if (Object.keys(extra).length && isObj(target)) {
        const merged = Object.assign(siblingsOf(target), extra);
        // Keep following the chain if the target is itself a reference.
        if (typeof target.$ref === 'string') merged.$ref = target.$ref;
        value = merged;
      } else {
        value = target;
      }
    }
    return { value: value, ref: first, name: first === null ? null : refName(first), error: null };
  }

  // ------------------------------------------------------- schema labelling

  function typesOf(s) {
    let types = [];
    if (Array.isArray(s.type)) types = s.type.filter((t) => typeof t === 'string');
    else if (typeof s.type === 'string') types = [s.type];
    if (!types.length) {
      // No explicit type: infer it, since many generators leave it out.
      if (isObj(s.properties) || s.additionalProperties !== undefined) types = ['object'];
      else if (s.items !== undefined) types = ['array'];
      else if (Array.isArray(s.enum) && s.enum.length) types = uniq(s.enum.map(jsonType));
      else if (Object.prototype.hasOwnProperty.call(s, 'const')) types = [jsonType(s.const)];
    }
    // OpenAPI 3.0 spelled "may be null" as nullable: true.
    if (s.nullable === true && !types.includes('null')) types.push('null');
    return types;
  }

  function jsonType(v) {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    return typeof v;
  }

  function uniq(list) {
    return Array.from(new Set(list));
  }

  // A one-line description of a schema's type, e.g. "array of Certificate"
  // or "string | null". The depth bound stops self-referencing arrays
  // ("Tree is an array of Tree") from recursing for ever.
  function typeLabel(schema, depth) {
    depth = depth || 0;
    if (schema === undefined || schema === true) return 'any';
    if (schema === false) return 'nothing (not allowed)';
    if (!isObj(schema)) return 'any';
    if (depth > MAX_DEPTH) return '…';
    const d = deref(schema);
    if (d.error) return d.name || 'unresolved';
    const s = d.value;
    if (!isObj(s)) return 'any';

    const types = typesOf(s);
    if (!types.length) {
      // Inside another label a named composition is best known by its name;
      // its variants are listed where the schema itself is expanded.
      if (d.name && depth > 0) return d.name;
      for (const [key, joiner] of [['oneOf', ' | '], ['anyOf', ' | '], ['allOf', ' & ']]) {
        if (Array.isArray(s[key]) && s[key].length) {
          const inner = s[key].map((x) => typeLabel(x, depth + 1)).join(joiner);
          return d.name ? d.name + ' (' + inner + ')' : inner;
        }
      }
      return d.name || 'any';
    }
    return types.map((t) => {
      if (t === 'array') {
        return 'array of ' + (s.items === undefined ? 'any' : typeLabel(s.items, depth + 1));
      }
      if (t === 'object' && d.name) return d.name;
      // An object with no fixed fields but typed values is a map, e.g.
      // labels: {"team": "pki"}; say so instead of a bare "object".
      if (t === 'object' && isObj(s.additionalProperties) &&
          !(isObj(s.properties) && Object.keys(s.properties).length)) {
        return 'map of ' + typeLabel(s.additionalProperties, depth + 1);
      }
      if (t !== 'null' && d.name) return d.name + ' (' + t + ')';
      return t;
    }).join(' | ');
  }

  // The validation keywords worth showing to someone writing a client.
  // Each entry is [label, value, kind]; kind "flag" has no value.
  function constraintsOf(s, prefix) {
    const out = [];
    const p = prefix || '';
    if (!isObj(s)) return out;
    if (typeof s.format === 'string') out.push([p + 'format', s.format]);
    if (Array.isArray(s.enum)) out.push([p + 'one of', s.enum, 'list']);
    if (Object.prototype.hasOwnProperty.call(s, 'const')) out.push([p + 'always', s.const]);
    if (Object.prototype.hasOwnProperty.call(s, 'default')) out.push([p + 'default', s.default]);
    for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf',
      'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
      if (typeof s[key] === 'number') out.push([p + key, s[key]]);
    }
    // 3.1 makes exclusive bounds numbers; 3.0 made them booleans that
    // modify minimum/maximum.
    for (const key of ['exclusiveMinimum', 'exclusiveMaximum']) {
      if (typeof s[key] === 'number') out.push([p + key, s[key]]);
      else if (s[key] === true) out.push([p + key, 'yes']);
    }
    if (typeof s.pattern === 'string') out.push([p + 'pattern', s.pattern]);
    if (s.uniqueItems === true) out.push([p + 'unique items', null, 'flag']);
    if (s.readOnly === true) out.push([p + 'read-only', null, 'flag']);
    if (s.writeOnly === true) out.push([p + 'write-only', null, 'flag']);
    if (s.deprecated === true) out.push([p + 'deprecated', null, 'flag']);
    if (!p) {
      if (Array.isArray(s.examples) && s.examples.length) out.push(['example', s.examples[0]]);
      else if (Object.prototype.hasOwnProperty.call(s, 'example')) out.push(['example', s.example]);
    }
    // Constraints on the members of an array of plain values belong to the
    // field ("array of string" with allowed values), so they are lifted up.
    // Named or structured items are described by their own tables instead.
    if (!p && isObj(s.items)) {
      const d = deref(s.items);
      if (!d.error && !d.name && isObj(d.value) && !isStructured(d.value, 0)) {
        out.push(...constraintsOf(d.value, 'item '));
      }
    }
    return out;
  }

  function renderConstraints(list) {
    if (!list.length) return null;
    const ul = h('ul', 'constraints');
    for (const [label, value, kind] of list) {
      const li = h('li');
      li.appendChild(h('span', 'constraint-name', label));
      if (kind === 'list') {
        li.appendChild(document.createTextNode(': '));
        value.forEach((v, i) => {
          if (i) li.appendChild(document.createTextNode(', '));
          li.appendChild(h('code', null, formatValue(v)));
        });
      } else if (kind !== 'flag') {
        li.appendChild(document.createTextNode(': '));
        li.appendChild(h('code', null, formatValue(value)));
      }
      ul.appendChild(li);
    }
    return ul;
  }

  // ------------------------------------------------------ schema structure

  // Whether a schema has inner structure worth a nested table: properties,
  // a closed or typed map, compositions, or items that themselves have it.
  function isStructured(s, hops) {
    if (!isObj(s) || hops > MAX_DEPTH) return false;
    if (isObj(s.properties) && Object.keys(s.properties).length) return true;
    if (s.additionalProperties === false) return true;
    // A map of plain values is fully described by its label ("map of
    // string"); only maps of structured values need a nested table.
    if (isObj(s.additionalProperties)) {
      const d = deref(s.additionalProperties);
      if (!d.error && isStructured(d.value, hops + 1)) return true;
    }
    for (const key of ['oneOf', 'anyOf', 'allOf']) {
      if (Array.isArray(s[key]) && s[key].length) return true;
    }
    if (isObj(s.items)) {
      const d = deref(s.items);
      return !d.error && isStructured(d.value, hops + 1);
    }
    return false;
  }

  function note(className, text) {
    return h('p', 'note ' + className, text);
  }

  // Expands what is inside a schema: the property table of an object, the
  // structure of array items, the variants of oneOf/anyOf/allOf. Returns null
  // for leaf schemas, whose type label and constraints already say it all.
  //
  // `stack` holds the $refs being expanded on the way here. Meeting one of
  // them again means the schema contains itself (a tree, a linked list);
  // expanding it would never end, so a note points back up instead.
  function schemaStructure(schema, depth, stack) {
    if (!isObj(schema)) return null;
    const d = deref(schema);
    if (d.error) return note('warning', d.error);
    if (d.ref && stack.includes(d.ref)) {
      return note('cycle', '↻ ' + d.name + ' refers to itself; its fields are listed above.');
    }
    const s = d.value;
    if (!isStructured(s, 0)) return null;
    if (depth >= MAX_DEPTH) {
      return note('limit', '… ' + typeLabel(schema) + ': nested too deeply to show here (limit ' + MAX_DEPTH + ' levels).');
    }
    const inner = d.ref ? stack.concat(d.ref) : stack;
    const box = h('div', 'schema-structure');

    if (isObj(s.properties) && Object.keys(s.properties).length) {
      box.appendChild(propertiesTable(s, depth, inner));
    }
    if (s.additionalProperties === false) {
      box.appendChild(note('closed', 'No other fields: properties not listed here are rejected.'));
    } else if (isObj(s.additionalProperties)) {
      const p = note('map', 'Other fields: any name, each ');
      p.appendChild(h('code', null, typeLabel(s.additionalProperties)));
      box.appendChild(p);
      const sub = schemaStructure(s.additionalProperties, depth, inner);
      if (sub) box.appendChild(nested(sub));
    }
    if (isObj(s.items)) {
      const sub = schemaStructure(s.items, depth, inner);
      if (sub) {
        const p = note('items', 'Each item is ');
        // Depth 1: name a named item schema; its variants follow below.
        p.appendChild(h('code', null, typeLabel(s.items, 1)));
        add(box, p, nested(sub));
      }
    }
    const combos = [
      ['allOf', 'All of the following apply:'],
      ['oneOf', 'Exactly one of the following:'],
      ['anyOf', 'One or more of the following:'],
    ];
    for (const [key, text] of combos) {
      if (!Array.isArray(s[key]) || !s[key].length) continue;
      box.appendChild(note('combo', text));
      const ol = h('ol', 'variants');
      for (const variant of s[key]) {
        const li = h('li');
        li.appendChild(h('code', 'type', typeLabel(variant)));
        const vd = deref(variant);
        if (isObj(vd.value) && typeof vd.value.description === 'string') {
          li.appendChild(renderText(vd.value.description, 'description'));
        }
        add(li, renderConstraints(constraintsOf(vd.value)), schemaStructure(variant, depth, inner));
        ol.appendChild(li);
      }
      box.appendChild(ol);
    }
    return box.childNodes.length ? box : null;
  }

  function nested(node) {
    return add(h('div', 'nested'), node);
  }

  function propertiesTable(s, depth, stack) {
    const t = table(['Field', 'Type', 'Required', 'Description', 'Constraints']);
    const body = t.tBodies[0];
    const required = Array.isArray(s.required) ? s.required : [];
    for (const name of Object.keys(s.properties)) {
      const prop = s.properties[name];
      const d = isObj(prop) ? deref(prop) : { value: {}, error: null };
      const ps = isObj(d.value) ? d.value : {};

      const tr = h('tr');
      const nameCell = add(h('td', 'field-name'), h('code', null, name));
      const typeCell = add(h('td', 'field-type'), h('code', null, typeLabel(prop)));
      const isReq = required.includes(name);
      const reqCell = h('td', isReq ? 'required' : 'optional', isReq ? 'required' : 'optional');
      const descCell = h('td', 'field-description');
      if (typeof ps.description === 'string') descCell.appendChild(renderText(ps.description));
      if (d.error) descCell.appendChild(note('warning', d.error));
      const consCell = add(h('td', 'field-constraints'), renderConstraints(constraintsOf(ps)));
      add(tr, nameCell, typeCell, reqCell, descCell, consCell);
      body.appendChild(tr);

      // Nested structure goes on its own full-width row: inside a cell it
      // would be squeezed into a fifth of the table.
      // A broken $ref is already flagged in the description cell.
      const sub = d.error ? null : schemaStructure(prop, depth + 1, stack);
      if (sub) {
        const row = h('tr', 'nested-row');
        const cell = h('td');
        cell.colSpan = 5;
        add(cell, add(h('p', 'nested-label'), 'Fields of ', h('code', null, name), ':'), sub);
        body.appendChild(add(row, cell));
      }
    }
    return tableWrap(t);
  }

  // A schema as the body of a request or response: type, description,
  // constraints, then its structure.
  function renderSchema(schema) {
    const box = h('div', 'schema');
    if (!isObj(schema)) {
      box.appendChild(note('muted', schema === undefined ? 'No schema given.' : 'Any value.'));
      return box;
    }
    const d = deref(schema);
    const head = h('p', 'schema-head');
    add(head, 'Schema: ', h('code', 'type', typeLabel(schema)));
    box.appendChild(head);
    if (d.error) {
      box.appendChild(note('warning', d.error));
      return box;
    }
    if (typeof d.value.description === 'string') box.appendChild(renderText(d.value.description, 'description'));
    add(box, renderConstraints(constraintsOf(d.value)), schemaStructure(schema, 0, []));
    return box;
  }

  // ------------------------------------------------------------ operations

  // Collects operations in document order, merging path-level parameters
  // into each operation (an operation's own parameter with the same name and
  // location wins, as the OpenAPI spec says).
  function collectOperations() {
    const ops = [];
    const paths = isObj(spec.paths) ? spec.paths : {};
    for (const path of Object.keys(paths)) {
      const item = deref(paths[path]).value;
      if (!isObj(item)) continue;
      const shared = Array.isArray(item.parameters) ? item.parameters : [];
      for (const method of METHODS) {
        const op = own(item, method);
        if (!isObj(op)) continue;
        const params = new Map();
        for (const p of shared.concat(Array.isArray(op.parameters) ? op.parameters : [])) {
          const pv = deref(p).value;
          if (!isObj(pv)) continue;
          params.set(str(pv.in) + '\u0000' + str(pv.name), p);
        }
        const tags = Array.isArray(op.tags) ? op.tags.filter((t) => typeof t === 'string' && t) : [];
        ops.push({ path: path, method: method, op: op, params: Array.from(params.values()), tags: tags });
      }
    }
    return ops;
  }

  // Tags in the order the document declares them (that order is the
  // author's intent), then tags only used by operations, then untagged.
  function groupByTag(ops) {
    const groups = new Map();
    const declared = Array.isArray(spec.tags) ? spec.tags : [];
    for (const t of declared) {
      if (isObj(t) && typeof t.name === 'string' && !groups.has(t.name)) {
        groups.set(t.name, { name: t.name, description: str(t.description), ops: [] });
      }
    }
    const untagged = { name: UNTAGGED, description: '', ops: [] };
    for (const entry of ops) {
      if (!entry.tags.length) {
        untagged.ops.push(entry);
        continue;
      }
      for (const tag of entry.tags) {
        if (!groups.has(tag)) groups.set(tag, { name: tag, description: '', ops: [] });
        groups.get(tag).ops.push(entry);
      }
    }
    const list = Array.from(groups.values()).filter((g) => g.ops.length);
    if (untagged.ops.length) list.push(untagged);
    return list;
  }

  function methodBadge(method) {
    // method comes from the fixed METHODS list, so it is safe in a class.
    return h('span', 'badge method method-' + method, method.toUpperCase());
  }

  function roleOf(op) {
    const role = own(op, ROLE_EXTENSION);
    if (role === undefined || role === null || role === '') return null;
    return typeof role === 'string' ? role : formatValue(role);
  }

  function roleBadge(role, small) {
    const cls = role === 'anonymous' ? 'role-anonymous' : 'role-restricted';
    const badge = h('span', 'badge role ' + cls + (small ? ' role-small' : ''));
    badge.textContent = small ? role : 'role: ' + role;
    badge.title = role === 'anonymous' ? 'No login needed' : 'Requires the role ' + role;
    return badge;
  }

  // Security requirement names in force for an operation; the operation's
  // own list replaces the document-wide default, and [] means "no auth".
  function securityOf(op) {
    const reqs = Array.isArray(op.security) ? op.security : Array.isArray(spec.security) ? spec.security : null;
    if (reqs === null) return null;
    if (!reqs.length) return [];
    return reqs.map((r) => (isObj(r) && Object.keys(r).length ? Object.keys(r).join(' + ') : 'none'));
  }

  function renderParameters(params) {
    const t = table(['Name', 'In', 'Required', 'Type', 'Description', 'Allowed values']);
    const body = t.tBodies[0];
    for (const raw of params) {
      const d = deref(raw);
      const p = isObj(d.value) ? d.value : {};
      // Parameters carry either a schema or, rarely, a content map holding one.
      let schema = p.schema;
      if (schema === undefined && isObj(p.content)) {
        const first = Object.keys(p.content)[0];
        schema = first === undefined ? undefined : own(own(p.content, first), 'schema');
      }
      const sd = isObj(schema) ? deref(schema) : { value: {} };
      const ss = isObj(sd.value) ? sd.value : {};
      // Path parameters are always required, whatever the document says.
      const isReq = p.required === true || p.in === 'path';

      const descCell = h('td', 'field-description');
      if (typeof p.description === 'string') descCell.appendChild(renderText(p.description));
      else if (typeof ss.description === 'string') descCell.appendChild(renderText(ss.description));
      if (p.deprecated === true) descCell.appendChild(note('warning', 'Deprecated.'));
      if (d.error) descCell.appendChild(note('warning', d.error));
      // Allowed values have their own column; the other constraints go
      // under the description.
      const rest = constraintsOf(ss).filter(([label]) => label !== 'one of' && label !== 'item one of');
      add(descCell, renderConstraints(rest));

      const enumCell = h('td', 'field-enum');
      let values = Array.isArray(ss.enum) ? ss.enum : null;
      if (!values && isObj(ss.items)) {
        const items = deref(ss.items).value;
        if (isObj(items) && Array.isArray(items.enum)) values = items.enum;
      }
      if (values) {
        values.forEach((v, i) => {
          if (i) enumCell.appendChild(document.createTextNode(', '));
          enumCell.appendChild(h('code', null, formatValue(v)));
        });
      }

      body.appendChild(add(h('tr'),
        add(h('td', 'field-name'), h('code', null, str(p.name) || '(unnamed)')),
        h('td', 'field-in', str(p.in)),
        h('td', isReq ? 'required' : 'optional', isReq ? 'required' : 'optional'),
        add(h('td', 'field-type'), h('code', null, typeLabel(schema))),
        descCell,
        enumCell));
    }
    return tableWrap(t);
  }

  function renderContent(content) {
    const frag = document.createDocumentFragment();
    if (!isObj(content)) return frag;
    for (const mediaType of Object.keys(content)) {
      const media = own(content, mediaType);
      const block = h('div', 'media');
      add(block, add(h('p', 'media-type'), 'Content type: ', h('code', null, mediaType)));
      block.appendChild(renderSchema(isObj(media) ? media.schema : undefined));
      frag.appendChild(block);
    }
    return frag;
  }

  function renderRequestBody(raw) {
    const d = deref(raw);
    const rb = isObj(d.value) ? d.value : {};
    const box = h('div', 'request-body');
    const head = h('p', 'body-head');
    head.appendChild(h('span', rb.required === true ? 'required' : 'optional',
      rb.required === true ? 'Required.' : 'Optional.'));
    box.appendChild(head);
    if (d.error) box.appendChild(note('warning', d.error));
    if (typeof rb.description === 'string') box.appendChild(renderText(rb.description, 'description'));
    box.appendChild(renderContent(rb.content));
    return box;
  }

  // Numeric codes ascending, then range codes such as "4XX", then "default".
  function statusOrder(a, b) {
    const rank = (c) => (/^\d{3}$/.test(c) ? Number(c) : /^\dXX$/i.test(c) ? Number(c[0]) * 100 + 99.5 : 1000);
    return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
  }

  function statusClass(code) {
    const c = String(code)[0];
    if (/^[1-5]$/.test(c) && /^\d(\d\d|XX)$/i.test(code)) return 'status status-' + c + 'xx';
    return 'status status-other';
  }

  function renderResponses(responses) {
    const box = h('div', 'responses');
    for (const code of Object.keys(responses).sort(statusOrder)) {
      const d = deref(own(responses, code));
      const r = isObj(d.value) ? d.value : {};
      const block = h('div', 'response');
      const head = h('p', 'response-head');
      add(head, h('span', 'badge ' + statusClass(code), code), ' ');
      if (d.name) head.appendChild(h('span', 'muted', d.name + ' '));
      box.appendChild(block);
      block.appendChild(head);
      if (typeof r.description === 'string') block.appendChild(renderText(r.description, 'description'));
      if (d.error) block.appendChild(note('warning', d.error));

      if (isObj(r.headers) && Object.keys(r.headers).length) {
        const t = table(['Header', 'Type', 'Description']);
        for (const name of Object.keys(r.headers)) {
          const hv = deref(r.headers[name]).value;
          const hd = isObj(hv) ? hv : {};
          const desc = h('td', 'field-description');
          if (typeof hd.description === 'string') desc.appendChild(renderText(hd.description));
          t.tBodies[0].appendChild(add(h('tr'),
            add(h('td', 'field-name'), h('code', null, name)),
            add(h('td', 'field-type'), h('code', null, typeLabel(hd.schema))),
            desc));
        }
        add(block, h('p', 'sub-head', 'Headers'), tableWrap(t));
      }
      if (isObj(r.content) && Object.keys(r.content).length) {
        block.appendChild(renderContent(r.content));
      } else {
        block.appendChild(note('muted', 'No body.'));
      }
    }
    return box;
  }

  function renderOperation(entry, id) {
    const op = entry.op;
    const section = h('section', 'operation' + (op.deprecated === true ? ' deprecated' : ''));
    section.id = id;

    const title = h('h3', 'operation-title');
    const link = h('a', 'operation-link');
    // The href is built from our sanitised id, never taken from the document.
    link.setAttribute('href', '#' + id);
    add(link, methodBadge(entry.method), ' ', h('code', 'path', entry.path));
    title.appendChild(link);
    const role = roleOf(op);
    if (role) add(title, ' ', roleBadge(role, false));
    if (op.deprecated === true) add(title, ' ', h('span', 'badge deprecated-badge', 'deprecated'));
    section.appendChild(title);

    if (typeof op.summary === 'string' && op.summary) section.appendChild(h('p', 'summary', op.summary));

    const meta = h('dl', 'meta');
    const metaRow = (label, value) => add(meta, h('dt', null, label), add(h('dd'), value));
    if (typeof op.operationId === 'string') metaRow('Operation ID', h('code', null, op.operationId));
    if (role) metaRow('Required role', h('strong', 'role-text', role));
    const security = securityOf(op);
    if (security) metaRow('Authentication', document.createTextNode(security.length ? security.join(', or ') : 'none'));
    if (entry.tags.length) metaRow('Tags', document.createTextNode(entry.tags.join(', ')));
    if (meta.childNodes.length) section.appendChild(meta);

    if (typeof op.description === 'string' && op.description) {
      section.appendChild(renderText(op.description, 'description'));
    }

    if (entry.params.length) {
      add(section, h('h4', null, 'Parameters'), renderParameters(entry.params));
    }
    if (op.requestBody !== undefined) {
      add(section, h('h4', null, 'Request body'), renderRequestBody(op.requestBody));
    }
    if (isObj(op.responses) && Object.keys(op.responses).length) {
      add(section, h('h4', null, 'Responses'), renderResponses(op.responses));
    }
    return section;
  }

  // ---------------------------------------------------------------- page

  function renderHeader() {
    const info = isObj(spec.info) ? spec.info : {};
    const title = str(info.title) || 'API documentation';
    document.getElementById('apidocs-title').textContent = title;
    document.title = title + ' · API documentation';

    const version = document.getElementById('apidocs-version');
    const bits = [];
    if (typeof info.version === 'string' || typeof info.version === 'number') bits.push('Version ' + info.version);
    if (typeof spec.openapi === 'string') bits.push('OpenAPI ' + spec.openapi);
    version.textContent = bits.join(' · ');

    const desc = document.getElementById('apidocs-description');
    if (typeof info.description === 'string' && info.description) {
      desc.appendChild(renderText(info.description));
    }
  }

  function render() {
    renderHeader();
    const content = document.getElementById('apidocs-content');
    const toc = document.getElementById('apidocs-toc');
    const ops = collectOperations();
    const groups = groupByTag(ops);

    if (!ops.length) {
      content.appendChild(note('muted', 'The API description lists no operations.'));
      return [];
    }

    // One entry per rendered operation occurrence, used by the filter.
    const index = [];
    const tocList = h('ul', 'toc');
    for (const group of groups) {
      const tagId = uniqueId('tag-', group.name);
      const section = h('section', 'tag-section');
      section.id = tagId;
      const heading = h('h2', 'tag-title');
      const hl = h('a', null, group.name);
      hl.setAttribute('href', '#' + tagId);
      heading.appendChild(hl);
      section.appendChild(heading);
      if (group.description) section.appendChild(renderText(group.description, 'description'));

      const tocItem = h('li', 'toc-tag');
      const tocLink = h('a', 'toc-tag-link', group.name);
      tocLink.setAttribute('href', '#' + tagId);
      const tocOps = h('ul', 'toc-ops');
      add(tocItem, tocLink, tocOps);
      tocList.appendChild(tocItem);

      const groupEntries = [];
      for (const entry of group.ops) {
        const op = entry.op;
        const opId = uniqueId('op-', typeof op.operationId === 'string' && op.operationId
          ? op.operationId : entry.method + '-' + entry.path);
        const opSection = renderOperation(entry, opId);
        section.appendChild(opSection);

        const li = h('li', 'toc-op');
        const a = h('a');
        a.setAttribute('href', '#' + opId);
        const summary = str(op.summary);
        if (summary) a.setAttribute('title', summary);
        add(a, methodBadge(entry.method), ' ', h('span', 'toc-path', entry.path));
        const role = roleOf(op);
        if (role) add(a, ' ', roleBadge(role, true));
        if (summary) a.appendChild(h('span', 'toc-summary', summary));
        li.appendChild(a);
        tocOps.appendChild(li);

        const record = {
          section: opSection,
          tocItem: li,
          text: [entry.method, entry.path, summary, str(op.operationId)].concat(entry.tags, group.name)
            .join('\n').toLowerCase(),
        };
        groupEntries.push(record);
        index.push(record);
      }
      for (const record of groupEntries) {
        record.group = { section: section, tocItem: tocItem, entries: groupEntries };
      }
      content.appendChild(section);
    }
    toc.appendChild(tocList);
    return index;
  }

  // Filters as you type. Every whitespace-separated word must occur
  // somewhere in the operation's method, path, summary, operation id or
  // tags, so "post cert" narrows to POST operations about certificates.
  function setUpSearch(index) {
    const input = document.getElementById('apidocs-search');
    const count = document.getElementById('apidocs-count');
    const content = document.getElementById('apidocs-content');
    const empty = note('muted empty-result', '');
    empty.hidden = true;
    content.appendChild(empty);

    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      const groups = new Set();
      for (const rec of index) {
        const match = words.every((w) => rec.text.includes(w));
        rec.section.hidden = !match;
        rec.tocItem.hidden = !match;
        if (match) shown++;
        groups.add(rec.group);
      }
      for (const g of groups) {
        const any = g.entries.some((r) => !r.section.hidden);
        g.section.hidden = !any;
        g.tocItem.hidden = !any;
      }
      const total = index.length;
      count.textContent = words.length ? shown + ' of ' + total + ' operations shown' : total + ' operations';
      empty.hidden = shown > 0 || !words.length;
      empty.textContent = empty.hidden ? '' : 'No operation matches “' + input.value.trim() + '”.';
    }

    input.addEventListener('input', apply);
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && input.value) {
        input.value = '';
        apply();
      }
    });
    // "/" jumps to the filter, as on many documentation sites, unless the
    // user is already typing somewhere.
    document.addEventListener('keydown', (ev) => {
      const t = ev.target;
      const typing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (ev.key === '/' && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        input.focus();
      }
    });
    input.disabled = false;
    apply();
  }

  // offerRaw: whether pointing at the raw document can help, i.e. it was
  // fetched but could not be used. After a failed fetch it cannot.
  function showError(message, detail, offerRaw) {
    const status = document.getElementById('apidocs-status');
    status.className = 'apidocs-error';
    status.setAttribute('role', 'alert');
    status.textContent = '';
    add(status, h('strong', null, 'The API description could not be shown. '), message);
    if (detail) add(status, h('br'), h('span', 'error-detail', detail));
    if (offerRaw) {
      add(status, h('br'), 'The raw document may still be readable at ');
      const a = h('a', null, SPEC_URL);
      a.setAttribute('href', SPEC_URL);
      add(status, a, '.');
    }
    status.hidden = false;
    // With nothing rendered there is nothing to filter.
    const search = document.querySelector('.apidocs-search');
    if (search) search.hidden = true;
  }

  // The content arrives after the browser has tried to scroll to the URL's
  // #fragment, so that scroll is redone once the anchors exist.
  function scrollToHash() {
    if (location.hash.length < 2) return;
    let id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    const target = document.getElementById(id);
    if (target) target.scrollIntoView();
  }

  async function start() {
    let res;
    try {
      res = await fetch(SPEC_URL, { headers: { Accept: 'application/json' }, cache: 'no-cache' });
    } catch (e) {
      showError('The request for ' + SPEC_URL + ' failed; is the server running and reachable?', String(e && e.message || e), false);
      return;
    }
    if (!res.ok) {
      showError('The server answered ' + SPEC_URL + ' with HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '') + '.', '', false);
      return;
    }
    let text;
    try {
      text = await res.text();
    } catch (e) {
      showError('Reading the response from ' + SPEC_URL + ' failed.', String(e && e.message || e), false);
      return;
    }
    try {
      spec = JSON.parse(text);
    } catch (e) {
      showError(SPEC_URL + ' is not valid JSON.', String(e && e.message || e), true);
      return;
    }
    if (!isObj(spec) || (typeof spec.openapi !== 'string' && typeof spec.swagger !== 'string')) {
      showError(SPEC_URL + ' is JSON, but not an OpenAPI document (it has no "openapi" field).', '', true);
      return;
    }
    try {
      const index = render();
      document.getElementById('apidocs-status').hidden = true;
      setUpSearch(index);
      scrollToHash();
    } catch (e) {
      // A document shaped in a way this renderer does not expect must still
      // leave the reader with a message rather than a half-empty page.
      showError('Rendering the document failed.', String(e && e.message || e), true);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
