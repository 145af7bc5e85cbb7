/**
 * The replica sandbox's pure parts: its names per node, how the appliance
 * finds its own container, and when that container joins the sandbox's network.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applianceJoinsNetwork,
  nodeNamePart,
  ownContainerId,
  sandboxNames,
  sandboxNetworkMode,
} from '../../../src/domain/replica-sandbox.js';

test('names are derived from the node id: as is when Docker takes it, else safe characters and a hash', () => {
  assert.deepEqual(sandboxNames('rim-box-1'), {
    container: 'rim-sandbox-rim-box-1',
    network: 'rim-replicas-rim-box-1',
  });
  const odd = nodeNamePart('box 1/ü');
  assert.match(odd, /^box-1-[0-9a-f]{10}$/);
  assert.notEqual(nodeNamePart('box 1/ü'), nodeNamePart('box 1/ö'), 'two node ids never share a sandbox');
  assert.match(nodeNamePart('///'), /^[0-9a-f]{10}$/);
  const long = nodeNamePart('n'.repeat(100));
  assert.ok(long.length <= 51, long);
  for (const id of ['box 1/ü', '///', 'n'.repeat(100), '-lead', 'a'])
    assert.match(sandboxNames(id).network, /^[A-Za-z0-9][A-Za-z0-9_.-]+$/);
  assert.equal(sandboxNetworkMode('abc'), 'container:abc');
});

test('a run of unsafe characters becomes one dash, and none leads or ends the safe part', () => {
  assert.match(nodeNamePart('a  b'), /^a-b-[0-9a-f]{10}$/);
  assert.match(nodeNamePart('--x y'), /^x-y-[0-9a-f]{10}$/);
  assert.match(nodeNamePart('x y._'), /^x-y-[0-9a-f]{10}$/);
});

test("the appliance's own container id is read from the container files Docker mounts", () => {
  const id = '5849551b280fea1357e1abf2dcce562c4184381cd4552cfb7d4c12b285d38339';
  const mountinfo = [
    '612 590 0:52 / / rw,relatime - overlay overlay rw',
    `631 612 8:1 /var/lib/docker/containers/${id}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw`,
    `632 612 8:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw`,
  ].join('\n');
  assert.equal(ownContainerId(mountinfo), id);
  assert.equal(ownContainerId('22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n'), undefined, 'not in a container');
  assert.equal(ownContainerId(`1 2 8:1 /var/lib/docker/containers/${id}/config.v2.json /x rw - ext4 x rw`), undefined);
});

test("the appliance's container joins the sandbox network only when it has a namespace of its own", () => {
  assert.equal(applianceJoinsNetwork('host'), false, 'host networking reaches the internal network through its bridge');
  assert.equal(applianceJoinsNetwork('rim-test'), true, "a test cluster's box");
  assert.equal(applianceJoinsNetwork('bridge'), true);
  assert.equal(applianceJoinsNetwork('default'), true);
  assert.equal(applianceJoinsNetwork('container:abc'), false);
  assert.equal(applianceJoinsNetwork('none'), false);
  assert.equal(applianceJoinsNetwork(undefined), false);
});
