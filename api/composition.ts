// The API's composition root, like the worker's (workers/main.ts): everything a route needs is
// built here once from config, data source and Temporal client, then handed to the routes. A test
// or a deployment replaces a strategy by passing its own registry, as it does for the worker.
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { buildProviders, type BenefitProviders } from '../benefits/providers';
import { strategies, type StrategyRegistry } from '../benefits/registry';
import type { Env } from '../config/config';
import { CustomersRepository } from '../db/repositories/customers.repository';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { EngineClient } from '../engine/engine-client';
import type { Logger } from '../lib/logger';
import { benefitGrantsReader } from './services/benefit-grants.service';
import type { BenefitGrantsReader } from './schemas/benefits.schemas';
import { CommerceService } from './services/commerce.service';
import { EngineDispatcher } from './services/engine-dispatcher';
import { FilesService } from './services/files.service';
import { LicenseKeysService } from './services/license-keys.service';
import { MetersService } from './services/meters.service';
import { AccountLinkingService } from './services/account-linking.service';
import { GitHubInstallationsService } from './services/github-installations.service';
import { secretBoxFor } from '../lib/secret-box';

export interface AppDeps {
  config: Env;
  logger: Logger;
  dataSource: DataSource;
  temporal: Client;
  /** Replaces the default strategies (tests use stand-ins, as the worker's deps allow). */
  registry?: StrategyRegistry;
  /** Replaces the provider clients built from config (tests point them at test/fakes). */
  providers?: BenefitProviders;
}

/** What the routes are given: the process's dependencies plus the services built from them. */
export interface ApiServices extends AppDeps {
  registry: StrategyRegistry;
  providers: BenefitProviders;
  engineClient: EngineClient;
  dispatcher: EngineDispatcher;
  commerce: CommerceService;
  licenseKeys: LicenseKeysService;
  files: FilesService;
  meters: MetersService;
  grants: BenefitGrantsReader;
  customers: CustomersRepository;
  organizations: OrganizationsRepository;
  accountLinking: AccountLinkingService;
  githubInstallations: GitHubInstallationsService;
}

export function composeApi(deps: AppDeps): ApiServices {
  const engineClient = new EngineClient(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE);
  const dispatcher = new EngineDispatcher(engineClient, deps.dataSource, deps.logger);
  const registry = deps.registry ?? strategies;
  const providers = deps.providers ?? buildProviders(deps.config);
  const secretBox = secretBoxFor(deps.config.SECRET_ENCRYPTION_KEY);
  const { dataSource, config } = deps;
  return {
    ...deps,
    registry,
    providers,
    engineClient,
    dispatcher,
    commerce: new CommerceService(deps.dataSource, dispatcher),
    licenseKeys: new LicenseKeysService(deps.dataSource, deps.config.SECRET_ENCRYPTION_KEY, dispatcher),
    files: new FilesService(deps.dataSource, deps.config, providers.storage, deps.logger),
    meters: new MetersService(deps.dataSource, dispatcher),
    grants: benefitGrantsReader(deps.dataSource),
    customers: new CustomersRepository(deps.dataSource),
    organizations: new OrganizationsRepository(deps.dataSource),
    accountLinking: new AccountLinkingService({ dataSource, config, providers, registry, dispatcher, secretBox }),
    githubInstallations: new GitHubInstallationsService({ dataSource, config, providers }),
  };
}
