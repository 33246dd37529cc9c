// The only place that knows Kustomer's markup (refined-github's selectors.ts habit). Every selector here
// is exercised by the end-to-end tests against the sandbox page, which imitates Kustomer's agent desktop.
// Classic content scripts share one isolated-world scope, so content.js sees this constant; the page's
// own scripts do not.
const KUSTOMER = Object.freeze({
  /** The signed-in agent's e-mail in the top bar (SPEC A5 ties it to the CCAI agent). */
  currentUserEmail: '[data-kt="current-user-email"]',
  /** Kustomer's routing-status menu; its `data-status-id` is the agent's current status id. */
  routingStatus: '[data-kt="routing-status"]',
  routingStatusName: '[data-kt="routing-status-name"]',
  /** Phone numbers in the customer side panel (SPEC C1). */
  customerPhone: '[data-kt="customer-phone"]',
  /** Messages of the conversation, whose text may hold a phone number (issue 6). */
  message: '[data-kt="message"]',
  /** The conversation on screen; used to tell the frame where the agent is. */
  conversationView: '[data-kt="conversation-view"]',
  /** Attributes whose change means the facts may have changed. */
  watchedAttributes: ['data-status-id', 'data-conversation-id'],
});
