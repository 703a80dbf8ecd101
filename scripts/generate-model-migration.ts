// Prints the DDL the declarative model derives, for writing a new model migration:
//   node --import tsx scripts/generate-model-migration.ts sta > src/store/migrations/0002-sensorthings.sql
//   node --import tsx scripts/generate-model-migration.ts control > src/store/migrations/0004-control-plane.sql
// Entity names after the model limit it to those tables (a later migration adding entities):
//   node --import tsx scripts/generate-model-migration.ts control Mapping > src/store/migrations/0006-mappings.sql
// Migrations stay fixed once released (forward-only): a model change needs a new migration, not a rerun.
import { controlModel } from '../src/model/control/index.ts';
import { staModel } from '../src/model/sta/index.ts';
import type { ModelDef } from '../src/model/types.ts';
import { modelDdl } from '../src/store/schema/ddl-from-model.ts';

const MODELS: Record<string, ModelDef> = { sta: staModel, control: controlModel };
const model = MODELS[process.argv[2] ?? ''];
if (!model) {
  process.stderr.write(`usage: generate-model-migration.ts <${Object.keys(MODELS).join('|')}>\n`);
  process.exit(2);
}
process.stdout.write(`-- Generated from the ${model.name} model by scripts/generate-model-migration.ts\n`);
process.stdout.write(`${modelDdl(model, process.argv.length > 3 ? process.argv.slice(3) : undefined)}\n`);
