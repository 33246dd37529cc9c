// A clock for the adapter frame (adapter.js `sleep`): a dedicated worker's timers are not held back
// when the page is hidden, as the page's own may be (one wake-up a minute once hidden for a minute).
onmessage = (e) => {
  const [id, ms] = e.data;
  setTimeout(() => postMessage(id), ms);
};
