// Stands in for @azure/identity inside the bundled tedious driver (scripts/build.mjs).
// tedious requires @azure/identity at load time but touches it only to build an Entra
// credential for an `azure-active-directory-*` authentication type; loading it costs about
// as much as the whole driver (~300 ms CPU on the 2-core machine). The real module is
// required on the first property read, so SQL-authenticated connections never load it.
// The require below stays a runtime require: @azure/* is external in the build.
'use strict';
let real;
const load = () => (real ??= require('@azure/identity'));
module.exports = new Proxy(
  {},
  {
    get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => Object.getOwnPropertyDescriptor(load(), key),
  },
);
