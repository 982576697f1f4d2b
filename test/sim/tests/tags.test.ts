// The CloudHSM v2 simulator's tags (ops/tags.ts), through the real SDK client over HTTP.

import {
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import {
  MIN,
  REGION,
  sim,
  client,
  expectError,
  createCluster,
  describeOne,
} from './cloudhsm-setup';

describe('tags', () => {
  test('TagResource, ListTags (paged) and UntagResource on a cluster and a backup', async () => {
    const id = await createCluster(REGION, { TagList: [{ Key: 'a', Value: '1' }] });
    await client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] }));
    const all = await client().send(new ListTagsCommand({ ResourceId: id }));
    expect(all.TagList).toEqual([{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }]);
    expect(all.NextToken).toBeUndefined();
    const page1 = await client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 2 }));
    const page2 = await client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 2, NextToken: page1.NextToken }));
    expect([page1.TagList!.length, page2.TagList]).toEqual([2, [{ Key: 'c', Value: '3' }]]);
    expect(page2.NextToken).toBeUndefined();
    await client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['a', 'not-there'] }));
    expect((await describeOne(id)).TagList).toEqual([{ Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }]);

    sim.advance(5 * MIN);
    const backup = sim.createBackup(REGION, id).BackupId as string;
    await client().send(new TagResourceCommand({ ResourceId: backup, TagList: [{ Key: 'keep', Value: 'forever' }] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: backup }))).TagList).toEqual([{ Key: 'keep', Value: 'forever' }]);
    await client().send(new UntagResourceCommand({ ResourceId: backup, TagKeyList: ['keep'] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: backup }))).TagList).toEqual([]);
  });

  test('tag errors: ids, limits, reserved keys, not found', async () => {
    const id = await createCluster(REGION, { TagList: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) });
    await expectError(client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] })),
      'CloudHsmTagException', 'would have 51 tags; a resource can have at most 50 tags');
    await client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'k0', Value: 'changed' }, { Key: 'x', Value: '1' }] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: id }))).TagList).toHaveLength(50);
    await expectError(client().send(new TagResourceCommand({ ResourceId: 'hsm-aaaaaaaaaaa', TagList: [{ Key: 'x', Value: '1' }] })),
      'CloudHsmInvalidRequestException', "Value 'hsm-aaaaaaaaaaa' at 'resourceId' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:cluster|backup)-[2-7a-zA-Z]{11,16}");
    await expectError(client().send(new TagResourceCommand({ ResourceId: id, TagList: [] })),
      'CloudHsmInvalidRequestException', "at 'tagList' failed to satisfy constraint: Member must have length greater than or equal to 1");
    await expectError(client().send(new TagResourceCommand({ ResourceId: 'backup-aaaaaaaaaaa', TagList: [{ Key: 'x', Value: '1' }] })),
      'CloudHsmResourceNotFoundException', "Backup 'backup-aaaaaaaaaaa' was not found");
    await expectError(client().send(new ListTagsCommand({ ResourceId: 'cluster-aaaaaaaaaaa' })), 'CloudHsmResourceNotFoundException', 'was not found');
    await expectError(client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 101 })), 'CloudHsmInvalidRequestException',
      'Member must have value less than or equal to 100');
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: [] })), 'CloudHsmInvalidRequestException',
      "at 'tagKeyList' failed to satisfy constraint: Member must have length greater than or equal to 1");
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['aws:cloudformation:stack-name'] })),
      'CloudHsmTagException', "keys starting with 'aws:' are reserved");
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['x'.repeat(129)] })), 'CloudHsmInvalidRequestException',
      "at 'tagKeyList.1.member' failed to satisfy constraint: Member must have length less than or equal to 128");
  });
});
