// Copies the devreliab.jsonc JSON schema from the Python package (its only source of truth) into schemas/,
// where package.json's contributes.jsonValidation points. schemas/ is generated and ignored by git.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "..", "devreliab", "devreliab.schema.json");
const target = join(here, "..", "schemas", "devreliab.schema.json");
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
console.log(`copied ${source} -> ${target}`);
