// A service's request statistics: requests per UTC day (GET …/model/{m}/statistics), newest first.
import { admin } from '../api.js';
import { h, empty, fill } from '../ui.js';

export async function statisticsPage(view, appId, serviceId) {
  const [app, service] = await Promise.all([admin('GET', `/app/${appId}`), admin('GET', `/app/${appId}/model/${serviceId}`)]);
  let days;
  try {
    days = await admin('GET', `/app/${appId}/model/${serviceId}/statistics`);
  } catch (error) {
    if (error.code === null && (error.status === 404 || error.status === 405)) {
      throw new Error('Statistics are not available on this server yet.');
    }
    throw error;
  }
  const total = days.reduce((sum, d) => sum + d.requestCount, 0);
  const max = Math.max(1, ...days.map(d => d.requestCount));
  fill(view,
    h('div.breadcrumbs', h('a', { href: '#/apps' }, 'Applications'), ' / ', h('a', { href: `#/apps/${appId}` }, app.name), ' / ', service.name, ' / usage'),
    h('div.row', h('h1.grow', `Usage of ${service.name}`), h('a.button.secondary', { href: `#/apps/${appId}/services/${serviceId}/test` }, 'Test')),
    h('p.muted', 'Recognize, detect and verify requests made with this service\'s key, per day (UTC). Nodes report their counts every minute.'),
    h('div.card', days.length === 0
      ? empty('No requests yet', 'Use the Test page or call the API with this service\'s key; the counts appear here within a minute.')
      : [
        h('p', { dataset: { testid: 'usage-total' } }, `${total} request(s) on ${days.length} day(s).`),
        h('div.table-wrap', h('table', { dataset: { testid: 'usage' } },
          h('thead', h('tr', h('th', 'Day'), h('th', 'Requests'), h('th', ''))),
          h('tbody', days.map(d => h('tr',
            h('td', d.createdDate), h('td', String(d.requestCount)),
            h('td', { style: { width: '50%' } }, h('div.bar', { style: { width: `${(100 * d.requestCount / max).toFixed(1)}%` } }))))))),
      ]));
}
