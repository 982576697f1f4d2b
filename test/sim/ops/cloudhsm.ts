// The CloudHSM v2 operations (API version 2017-04-28, target prefix BaldrApiService.), by name: the
// handlers live in clusters.ts, hsms.ts, backups.ts and tags.ts, one module per resource.

import { OperationHandler } from '../context';
import {
  copyBackupToRegion, deleteBackup, describeBackups, modifyBackupAttributes, restoreBackup,
} from './backups';
import {
  createCluster, deleteCluster, describeClusters, initializeCluster, modifyCluster,
} from './clusters';
import { createHsm, deleteHsm } from './hsms';
import { listTags, tagResource, untagResource } from './tags';

export const CLOUDHSM_HANDLERS: Record<string, OperationHandler> = {
  CopyBackupToRegion: copyBackupToRegion,
  CreateCluster: createCluster,
  CreateHsm: createHsm,
  DeleteBackup: deleteBackup,
  DeleteCluster: deleteCluster,
  DeleteHsm: deleteHsm,
  DescribeBackups: describeBackups,
  DescribeClusters: describeClusters,
  InitializeCluster: initializeCluster,
  ListTags: listTags,
  ModifyBackupAttributes: modifyBackupAttributes,
  ModifyCluster: modifyCluster,
  RestoreBackup: restoreBackup,
  TagResource: tagResource,
  UntagResource: untagResource,
};
