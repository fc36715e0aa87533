// The common setup of API test files: one stack and two organizations (the second to prove
// tenant isolation), plus helpers to read the SDK's error objects.
import { startTestStack, TestStack } from './harness';

export type Polar = ReturnType<TestStack['polar']>;

export interface TwoOrganizations {
  stack: TestStack;
  orgId: string;
  otherOrgId: string;
  polar: Polar;
  other: Polar;
}

export async function startTwoOrganizations(): Promise<TwoOrganizations> {
  const stack = await startTestStack();
  const a = await stack.createOrganization();
  const b = await stack.createOrganization();
  return {
    stack,
    orgId: a.organizationId,
    otherOrgId: b.organizationId,
    polar: stack.polar(a.accessToken),
    other: stack.polar(b.accessToken),
  };
}

/** The SDK throws errors carrying the status and the parsed body. */
export async function failure(call: Promise<unknown>): Promise<{ statusCode: number; error: any }> {
  try {
    await call;
  } catch (err: any) {
    return { statusCode: err.statusCode, error: err.error };
  }
  throw new Error('expected the call to fail');
}

/** The `loc` of every item of a 422 body. */
export function locs(error: any): unknown[] {
  return (error?.detail ?? []).map((d: { loc: unknown[] }) => d.loc);
}
