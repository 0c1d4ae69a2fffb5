import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantedAccess, parseScope, parseScopes, type TokenAcl } from '../helpers/scope.ts';

test('parseScope keeps a port inside the name and drops a resource class', () => {
  assert.deepEqual(parseScope('repository:localhost:5000/app:pull,push'), {
    type: 'repository',
    name: 'localhost:5000/app',
    actions: ['pull', 'push'],
  });
  assert.deepEqual(parseScope('repository(plugin):vieux/sshfs:pull'), {
    type: 'repository',
    name: 'vieux/sshfs',
    actions: ['pull'],
  });
  assert.equal(parseScope('nonsense'), undefined);
  assert.deepEqual(
    parseScopes(['repository:a:pull repository:b:push', 'registry:catalog:*']).map((s) => s.name),
    ['a', 'b', 'catalog'],
  );
});

test('grantedAccess is the intersection, per user, with globs and anonymous grants', () => {
  const acl: TokenAcl = {
    users: { alice: 'a', bob: 'b' },
    grants: [
      { user: 'alice', repository: 'team/*', actions: ['pull', 'push'] },
      { user: '*', repository: 'shared/**', actions: ['pull'] },
      { user: '*anonymous*', repository: 'public', actions: ['pull'] },
    ],
  };
  const want = parseScopes(['repository:team/app:pull,push,delete']);
  assert.deepEqual(grantedAccess(acl, 'alice', want), [
    { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
  ]);
  assert.deepEqual(grantedAccess(acl, 'bob', want), []);
  assert.deepEqual(
    grantedAccess(acl, 'alice', parseScopes(['repository:team/a/b:pull'])),
    [],
    '* stays in a segment',
  );
  assert.equal(
    grantedAccess(acl, 'bob', parseScopes(['repository:shared/x/y:pull,push']))[0]?.actions.join(),
    'pull',
  );
  assert.deepEqual(grantedAccess(acl, null, parseScopes(['repository:shared/x:pull'])), []);
  assert.equal(grantedAccess(acl, null, parseScopes(['repository:public:pull'])).length, 1);
  assert.equal(grantedAccess(acl, 'bob', parseScopes(['repository:public:pull'])).length, 1);
});
