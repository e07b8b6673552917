import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, mailTo, openHydrated, screenshot, signUp as signUpIn, waitForHydration } from './helpers.mjs';

const signUp = (name) => signUpIn(browser, name);

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an owner invites someone by link, who joins and can switch teams', async () => {
  const owner = await signUp('Olivia Owner');
  await owner.page.getByRole('navigation', { name: 'Main' }).first().getByRole('link', { name: 'Settings' }).click();
  await owner.page.waitForURL(`${BASE_URL}/settings`);
  await waitForHydration(owner.page);
  const teamName = owner.page.getByRole('textbox', { name: 'Team name' });
  await teamName.fill('Research Guild');
  // A plain form post: the server answers with a redirect back to the page.
  const renamed = owner.page.waitForResponse((r) => r.url().endsWith('/api/teams/rename') && r.status() === 302);
  await owner.page.getByRole('button', { name: 'Rename' }).click();
  await renamed;
  await owner.page.getByTestId('user-menu').first().getByText('Research Guild · owner').waitFor();

  await owner.page.getByLabel('Role', { exact: true }).selectOption('admin');
  await owner.page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await owner.page.getByTestId('invite-link').inputValue();
  assert.match(link, /^\/invite\/[A-Za-z0-9_-]{43}$/);
  await owner.page.getByText('admin · by Olivia Owner').waitFor();

  // The invitee arrives signed out, creates an account from the link, and joins.
  const invitee = await signUp('Ian Invitee');
  const page = invitee.page;
  await page.goto(BASE_URL + link);
  await waitForHydration(page);
  await page.getByRole('heading', { name: 'Join Research Guild' }).waitFor();
  await page.getByRole('button', { name: 'Join as Ian Invitee' }).click();
  await page.waitForURL(`${BASE_URL}/settings`);
  await page.getByTestId('members').getByText('Olivia Owner', { exact: true }).waitFor();
  const menu = page.getByTestId('user-menu').first();
  await menu.getByText('Research Guild · admin').waitFor();

  // Two teams now: the switcher takes Ian back to his own.
  await menu.getByLabel('Team').selectOption({ label: "Ian Invitee's team" });
  await menu.getByRole('button', { name: 'Switch' }).click();
  await page.getByTestId('user-menu').first().getByText("Ian Invitee's team · owner").waitFor();

  // The owner sees the new admin and the audit trail.
  await owner.page.reload();
  await owner.page.getByTestId('members').getByText('Ian Invitee', { exact: true }).waitFor();
  await screenshot(owner.page, 'settings-team');
  await waitForHydration(owner.page);

  // Change Ian's role, then remove him.
  await owner.page.getByLabel('Role of Ian Invitee').selectOption('member');
  const changed = owner.page.waitForResponse((r) => r.url().endsWith('/api/teams/change_role') && r.status() === 302);
  await owner.page.getByRole('button', { name: 'Change role' }).click();
  await changed;
  await owner.page.waitForFunction(() => document.querySelector('[data-testid="members"] select option[selected][value="member"]'));
  await owner.page.getByRole('button', { name: 'Remove Ian Invitee' }).click();
  await owner.page.getByTestId('members').getByText('Ian Invitee', { exact: true }).waitFor({ state: 'detached' });
  await owner.page.getByRole('link', { name: 'Audit log' }).click();
  await owner.page.waitForURL(`${BASE_URL}/settings/audit`);
  await owner.page.getByText('member.joined').waitFor();
  await owner.page.getByText('member.role_changed').waitFor();
  await owner.page.getByText('member.removed').waitFor();
  await owner.page.getByText('team.renamed').waitFor();
  await screenshot(owner.page, 'settings-audit');
  await owner.context.close();
  await invitee.context.close();
});

test('a used invitation link says so', async () => {
  const page = await openHydrated(browser, '/invite/not-a-real-token');
  await page.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
  await page.close();
});

test('an owner emails an invitation; the invitee signs up from the mail with the address filled in', async () => {
  const owner = await signUp('Eve Emailer');
  await owner.page.goto(`${BASE_URL}/settings`);
  await waitForHydration(owner.page);
  const address = `ivy-${Date.now()}@example.com`;
  await owner.page.getByLabel('Email address').fill(address);
  await owner.page.getByRole('button', { name: 'Email the invitation' }).click();
  await owner.page.getByText('Invitation sent to').waitFor();
  await owner.page.getByText(`${address} · member · by Eve Emailer`).waitFor();
  await screenshot(owner.page, 'settings-team-emailed-invitation');

  const mail = await mailTo(address, "Eve Emailer invited you to Eve Emailer's team on Agent Factory");
  const link = mail.text.match(/https?:\/\/\S+\/invite\/[\w-]+\?email=\S+/)[0];
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(/\/signup\?/);
  assert.equal(await page.getByLabel('Email').inputValue(), address);
  await page.getByLabel('Your name').fill('Ivy Invitee');
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/invite\//);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Join as Ivy Invitee' }).click();
  await page.waitForURL(`${BASE_URL}/settings`);
  await page.getByTestId('user-menu').first().getByText("Eve Emailer's team · member").waitFor();
  await context.close();
  await owner.context.close();
});
