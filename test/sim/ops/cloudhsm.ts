// The CloudHSM v2 operations (API version 2017-04-28, target prefix BaldrApiService.), by name: the
// handlers live in clusters.ts, hsms.ts, backups.ts, tags.ts and resource-policies.ts, one module per resource.

import { OperationHandler } from '../context';
import {
  copyBackupToRegion, deleteBackup, describeBackups, modifyBackupAttributes, restoreBackup,
} from './backups';
import {
  createCluster, deleteCluster, describeClusters, initializeCluster, modifyCluster,
} from './clusters';
import { createHsm, deleteHsm } from './hsms';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy } from './resource-policies';
import { listTags, tagResource, untagResource } from './tags';

export const CLOUDHSM_HANDLERS: Record<string, OperationHandler> = {
  CopyBackupToRegion: copyBackupToRegion,
  CreateCluster: createCluster,
  CreateHsm: createHsm,
  DeleteBackup: deleteBackup,
  DeleteCluster: deleteCluster,
  DeleteHsm: deleteHsm,
  DeleteResourcePolicy: deleteResourcePolicy,
  DescribeBackups: describeBackups,
  DescribeClusters: describeClusters,
  GetResourcePolicy: getResourcePolicy,
  InitializeCluster: initializeCluster,
  ListTags: listTags,
  ModifyBackupAttributes: modifyBackupAttributes,
  ModifyCluster: modifyCluster,
  PutResourcePolicy: putResourcePolicy,
  RestoreBackup: restoreBackup,
  TagResource: tagResource,
  UntagResource: untagResource,
};
