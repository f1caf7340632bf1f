// chrome.storage.local behind the tiny get/set interface the queue and lists use.

export const storage = {
  async get(key) {
    const found = await chrome.storage.local.get(key);
    return found[key];
  },
  async set(key, value) {
    await chrome.storage.local.set({ [key]: value });
  },
};
