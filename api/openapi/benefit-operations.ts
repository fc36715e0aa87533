// Benefits and their grants in /openapi.json (Polar's contract; extensions marked).
import { benefitCreateBody, benefitGrantsQuery, benefitListQuery, benefitUpdateBody } from '../schemas/benefits.schemas';
import { grantListQuery } from '../schemas/commerce.schemas';
import { listOf, type Operation } from './operation';

export const benefitOperations: Operation[] = [
  { method: 'get', path: '/v1/benefits/', summary: 'List benefits', tag: 'benefits', query: benefitListQuery, response: listOf('Benefit') },
  {
    method: 'post',
    path: '/v1/benefits/',
    summary: 'Create benefit',
    tag: 'benefits',
    body: benefitCreateBody,
    response: 'Benefit',
    status: 201,
  },
  { method: 'get', path: '/v1/benefits/{id}', summary: 'Get benefit', tag: 'benefits', response: 'Benefit' },
  { method: 'patch', path: '/v1/benefits/{id}', summary: 'Update benefit', tag: 'benefits', body: benefitUpdateBody, response: 'Benefit' },
  { method: 'delete', path: '/v1/benefits/{id}', summary: 'Delete benefit (revokes every grant)', tag: 'benefits', status: 204 },
  {
    method: 'get',
    path: '/v1/benefits/{id}/grants',
    summary: 'List grants of a benefit',
    tag: 'benefits',
    query: benefitGrantsQuery,
    response: listOf('BenefitGrant'),
  },
  {
    method: 'get',
    path: '/v1/benefit-grants/{id}/history',
    summary: "A grant's history: transitions and provider calls",
    tag: 'benefit-grants',
    extension:
      'Returns `{grant_id, workflow: {id, available, status}, items}` in time order. `items` are `{type: "transition", time, kind, data}` (written in the same transaction as the grant row: granted, failed, awaiting_account, revoked, cycled, updated, expired), `{type: "command", time, action, reason, via}` (what the grant workflow was told, by start, signal or update) and `{type: "provider_call", time, ended_at, activity, command, execution: "local"|"regular", attempt, outcome: "completed"|"failed"|"timed_out"|"canceled"|"retrying"|"scheduled", error, previous_attempt_error}` read from the workflow history. Temporal keeps, per regular call, its last attempt and the failure before it (`previous_attempt_error`). `workflow.available` is false when Temporal is unreachable (transitions are still listed).',
  },
  {
    method: 'get',
    path: '/v1/benefit-grants/',
    summary: 'List benefit grants',
    tag: 'benefit-grants',
    query: grantListQuery,
    response: listOf('BenefitGrant'),
  },
];
