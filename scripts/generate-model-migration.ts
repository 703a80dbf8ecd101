// Prints the DDL the declarative model derives, for writing a new model migration:
//   node --import tsx scripts/generate-model-migration.ts > src/store/migrations/NNNN-name.sql
// Migrations stay fixed once released (forward-only); test/schema/model-matches-schema.test.ts checks that
// the migrated database still has exactly the columns the model declares.
import { staModel } from '../src/model/sta/index.ts';
import { modelDdl } from '../src/store/schema/ddl-from-model.ts';

process.stdout.write(`-- Generated from the ${staModel.name} model by scripts/generate-model-migration.ts\n`);
process.stdout.write(`${modelDdl(staModel)}\n`);
