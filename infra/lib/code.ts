import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The asset of one function as `cargo lambda build --release --arm64` leaves it under `lambdaDir`:
 * `<function>/bootstrap.zip` (`make package`) or `<function>/bootstrap`. Synth never builds and never
 * needs Docker.
 */
export function functionCode(lambdaDir: string, name: string): lambda.Code {
  const zip = path.join(lambdaDir, name, 'bootstrap.zip');
  if (fs.existsSync(zip)) {
    return lambda.Code.fromAsset(zip);
  }
  if (fs.existsSync(path.join(lambdaDir, name, 'bootstrap'))) {
    return lambda.Code.fromAsset(path.join(lambdaDir, name));
  }
  throw new Error(
    `${name} is not built: no ${zip} nor ${path.join(lambdaDir, name, 'bootstrap')}. Run \`make package\` (cargo lambda build --release --arm64) or point -c lambdaDir=… at the build.`,
  );
}
