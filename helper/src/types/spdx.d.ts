// The spdx packages ship no type declarations; these cover the calls sscs makes.
declare module 'spdx-expression-parse' {
  export interface LicenseLeaf {
    license: string;
    plus?: boolean;
    exception?: string;
  }
  export interface Conjunction {
    left: LicenseNode;
    conjunction: 'and' | 'or';
    right: LicenseNode;
  }
  export type LicenseNode = LicenseLeaf | Conjunction;
  export default function parse(expression: string): LicenseNode;
}

declare module 'spdx-satisfies' {
  export default function satisfies(expression: string, approved: string[]): boolean;
}
