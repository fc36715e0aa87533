import { OrganizationAccessTokenEntity } from './organization-access-token.entity';
import { OrganizationEntity } from './organization.entity';

export { OrganizationAccessTokenEntity, OrganizationEntity };
export const entities = [OrganizationEntity, OrganizationAccessTokenEntity];
